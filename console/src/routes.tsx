// The route table: every page of the console and the path it lives at.
import { FunctionComponent } from "preact";
import { RouteProps } from "./context";
import { Start, WorkspaceHome } from "./pages/home";
import { AcceptInvitation, Apply, ResetPassword, SignIn, TermsGate } from "./pages/auth";
import { Invitations, Members, Testers } from "./pages/workspace";
import { Settings } from "./pages/settings";
import { Details, MiniProgramDetail, MiniPrograms, NewMiniProgram, VersionDetail, Features as MiniProgramFeatures } from "./pages/miniprograms";
import { LaunchDetail, Launches, NewLaunch } from "./pages/launches";
import { Analytics, CrashDetail, Crashes } from "./pages/analytics";
import { ApprovalDetail, Approvals } from "./pages/approvals";
import { FeatureDetail, Features, JSAPIDetail, JSAPIs } from "./pages/catalog";
import { AppDetail, Apps, Authorizations, FeedbackList, NewFeedback } from "./pages/tenant";

export { SignIn, TermsGate };

type Route = [string, FunctionComponent<RouteProps>];

/** publicRoutes render without a signed-in user (or handle sign-in themselves). */
export const publicRoutes: Route[] = [
  ["/signin", SignIn],
  ["/apply", Apply],
  ["/reset-password", ResetPassword],
  ["/invitations/:id", AcceptInvitation],
];

const mp = "/workspaces/:ws/miniprograms/:mp";

export const routes: Route[] = [
  ["/", Start],
  ["/workspaces/:ws", WorkspaceHome],
  ["/workspaces/:ws/members", Members],
  ["/workspaces/:ws/invitations", Invitations],
  ["/workspaces/:ws/testers", Testers],
  ["/workspaces/:ws/settings", Settings],
  ["/workspaces/:ws/miniprograms", MiniPrograms],
  ["/workspaces/:ws/miniprograms/new", NewMiniProgram],
  [mp, MiniProgramDetail],
  [mp + "/versions/:version", VersionDetail],
  [mp + "/features", MiniProgramFeatures],
  [mp + "/details", Details],
  [mp + "/launches", Launches],
  [mp + "/launches/new", NewLaunch],
  [mp + "/launches/:launch", LaunchDetail],
  [mp + "/analytics", Analytics],
  [mp + "/crashes", Crashes],
  [mp + "/crashes/:fp", CrashDetail],
  ["/approvals", Approvals],
  ["/approvals/:id", ApprovalDetail],
  ["/authorizations", Authorizations],
  ["/apps", Apps],
  ["/apps/:app", AppDetail],
  ["/catalog/jsapis", JSAPIs],
  ["/catalog/jsapis/:name", JSAPIDetail],
  ["/catalog/features", Features],
  ["/catalog/features/:id", FeatureDetail],
  ["/feedback", FeedbackList],
  ["/feedback/new", NewFeedback],
];
