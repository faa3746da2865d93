// The error every declaration check throws: a message naming the file, the entry and the field.
import type { z } from "zod";

export class DeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeclarationError";
  }
}

/** Zod issues as `field "a.b": message`, joined by "; ". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : "(top level)";
      return `field "${path}": ${issue.message}`;
    })
    .join("; ");
}
