// Sign-in against the Cognito user pool with its JSON API (the calls the AWS SDK
// makes, without the SDK): USER_PASSWORD_AUTH, the NEW_PASSWORD_REQUIRED
// challenge of a first sign-in, and refresh.

export interface Tokens {
  idToken: string;
  refreshToken?: string;
  /** expiresAt is when the ID token expires, in ms since the epoch. */
  expiresAt: number;
}

export type SignInResult =
  | { kind: "signedIn"; tokens: Tokens }
  | { kind: "newPasswordRequired"; session: string };

export class CognitoError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "CognitoError";
    this.code = code;
  }
}

/** plainMessage says what a Cognito error means for the person signing in. */
export function plainMessage(code: string, message: string): string {
  switch (code) {
    case "NotAuthorizedException":
      if (/expired/i.test(message)) return "Your temporary password has expired. Ask an admin to send a new one.";
      return "The email or password is wrong.";
    case "UserNotFoundException":
      return "The email or password is wrong.";
    case "InvalidPasswordException":
      return message.replace(/^Password does not conform to policy: /, "The new password is too weak: ");
    case "PasswordResetRequiredException":
      return "Your password must be reset: use “Forgot your password?” to get a code by email.";
    case "CodeMismatchException":
      return "The code is wrong. Check the latest email, or ask for a new code.";
    case "ExpiredCodeException":
      return "The code has expired. Ask for a new one.";
    case "TooManyRequestsException":
    case "LimitExceededException":
      return "Too many attempts. Wait a minute and try again.";
    case "NetworkError":
      return "The sign-in service could not be reached. Check your connection.";
    default:
      return message || "Sign-in failed.";
  }
}

interface AuthResult {
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
}

export class Cognito {
  constructor(
    private readonly endpoint: string,
    private readonly clientId: string,
    private readonly fetcher: typeof fetch = (i, init) => fetch(i, init),
    private readonly now: () => number = Date.now,
  ) {}

  private async call<T>(action: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetcher(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService." + action,
        },
        body: JSON.stringify(body),
      });
    } catch {
      throw new CognitoError("NetworkError", plainMessage("NetworkError", ""));
    }
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const code = String(data.__type ?? data.code ?? "Error").split("#").pop()!;
      throw new CognitoError(code, plainMessage(code, String(data.message ?? data.Message ?? "")));
    }
    return data as T;
  }

  private tokens(r: AuthResult, refreshToken?: string): Tokens {
    return { idToken: r.IdToken, refreshToken: r.RefreshToken ?? refreshToken, expiresAt: this.now() + r.ExpiresIn * 1000 };
  }

  async signIn(email: string, password: string): Promise<SignInResult> {
    const out = await this.call<{ AuthenticationResult?: AuthResult; ChallengeName?: string; Session?: string }>("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    if (out.AuthenticationResult) return { kind: "signedIn", tokens: this.tokens(out.AuthenticationResult) };
    if (out.ChallengeName === "NEW_PASSWORD_REQUIRED" && out.Session) return { kind: "newPasswordRequired", session: out.Session };
    throw new CognitoError("UnsupportedChallenge", `Sign-in needs ${out.ChallengeName ?? "a step"} that the console does not support yet.`);
  }

  async setNewPassword(email: string, session: string, newPassword: string): Promise<Tokens> {
    const out = await this.call<{ AuthenticationResult?: AuthResult }>("RespondToAuthChallenge", {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      ClientId: this.clientId,
      Session: session,
      ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword },
    });
    if (!out.AuthenticationResult) throw new CognitoError("UnsupportedChallenge", "Sign-in needs another step that the console does not support yet.");
    return this.tokens(out.AuthenticationResult);
  }

  /** forgotPassword asks Cognito to send a reset code to the user's email; it says where it went (masked), if Cognito tells. */
  async forgotPassword(email: string): Promise<string> {
    const out = await this.call<{ CodeDeliveryDetails?: { Destination?: string } }>("ForgotPassword", { ClientId: this.clientId, Username: email });
    return out.CodeDeliveryDetails?.Destination ?? "";
  }

  async confirmForgotPassword(email: string, code: string, newPassword: string): Promise<void> {
    await this.call("ConfirmForgotPassword", { ClientId: this.clientId, Username: email, ConfirmationCode: code, Password: newPassword });
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const out = await this.call<{ AuthenticationResult: AuthResult }>("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: this.clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    return this.tokens(out.AuthenticationResult, refreshToken);
  }
}

/** claims reads a JWT's payload (unverified: the API verifies; this only shows who is signed in). */
export function claims(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    const v = JSON.parse(json);
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}
