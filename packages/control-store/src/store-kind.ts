/** The two engines behind one query layer. */
export type StoreKind = "sqlite" | "postgres";
