/** asl-validator 4 ships no type declarations; this is the part of its API the tests use. */
declare module 'asl-validator' {
  interface ValidationOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: unknown[];
    errorsText(separator?: string): string;
  }
  function aslValidator(definition: object, options?: ValidationOptions): ValidationResult;
  export = aslValidator;
}
