import { z } from "zod";

/** A string another parser accepts (the guard's, net-trust's): the schema only reports its verdict. */
export function checkedBy(parse: (value: string) => unknown, message: string) {
  return z.string().refine(
    (value) => {
      try {
        parse(value);
        return true;
      } catch {
        return false;
      }
    },
    { message }
  );
}

/** An http(s) URL without query or fragment; `what` names the key in the message. */
export function httpBase(what: string) {
  return z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === ""
        );
      } catch {
        return false;
      }
    },
    { message: `${what} must be an http(s) URL without query or fragment` }
  );
}
