// Config is what the host that serves the console says about its platform:
// /config.json, written by make dev's gateway or by the CDK deployment.
export interface Config {
  apiUrl: string;
  region: string;
  userPoolId: string;
  clientId: string;
  cognitoEndpoint: string;
  bucketOrigin?: string;
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<Config> {
  const res = await fetcher("/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`the console's configuration (/config.json) could not be loaded: ${res.status}`);
  const c = (await res.json()) as Partial<Config>;
  for (const k of ["region", "userPoolId", "clientId", "cognitoEndpoint"] as const) {
    if (typeof c[k] !== "string" || !c[k]) throw new Error(`the console's configuration lacks ${k}`);
  }
  return { ...(c as Config), apiUrl: (c.apiUrl ?? "").replace(/\/+$/, "") };
}
