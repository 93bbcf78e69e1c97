// Helpers every test suite of the workspace shares; filled in as the copies move here.
export {};
