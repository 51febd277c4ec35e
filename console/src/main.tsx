// The console's entry: load the host's configuration, wire the services, render.
import { render } from "preact";
import { newClient } from "./api/client";
import { App } from "./app";
import { Services } from "./context";
import { navigate, onLinkClick } from "./lib/router";
import { Cognito } from "./session/cognito";
import { loadConfig } from "./session/config";
import { Session } from "./session/store";
import "./styles.css";

async function start() {
  const root = document.getElementById("app")!;
  try {
    const config = await loadConfig();
    const cognito = new Cognito(config.cognitoEndpoint, config.clientId);
    const session = new Session(cognito, window.localStorage);
    const client = newClient({
      baseURL: config.apiUrl,
      token: () => session.token(),
      onUnauthorized: () => {
        session.signOut();
        navigate("/signin?next=" + encodeURIComponent(location.pathname + location.search), { replace: true });
      },
    });
    const services: Services = { config, client, session, cognito };
    document.addEventListener("click", onLinkClick);
    // Preact keeps what is already in the root: drop the boot message first.
    root.replaceChildren();
    render(<App services={services} />, root);
  } catch (err) {
    root.textContent = `The console could not start: ${(err as Error).message}`;
  }
}

start();
