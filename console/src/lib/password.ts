// The user pool's password policy (shared/resources: PasswordMinLength, upper
// and lower case letters, a digit and a symbol), said before typing and checked
// before sending, so a weak password is explained in one sentence.

/** minLength is shared/resources' PasswordMinLength (a Go test keeps them equal). */
export const minLength = 12;

export const passwordPolicy = `At least ${minLength} characters, with an upper case letter, a lower case letter, a digit and a symbol.`;

/** passwordProblem says what a password lacks, in one sentence, or "" if it meets the policy. */
export function passwordProblem(p: string): string {
  const missing = [
    p.length < minLength && `at least ${minLength} characters`,
    !/[A-Z]/.test(p) && "an upper case letter",
    !/[a-z]/.test(p) && "a lower case letter",
    !/[0-9]/.test(p) && "a digit",
    !/[^A-Za-z0-9]/.test(p) && "a symbol",
  ].filter((x): x is string => !!x);
  if (missing.length === 0) return "";
  const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  return `The password needs ${list}.`;
}
