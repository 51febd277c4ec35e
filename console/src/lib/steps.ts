// The first steps of a developer workspace, from what exists: the home page
// shows them with progress and points at the next one.

export interface WorkspaceFacts {
  miniPrograms: number;
  uploaded: boolean;
  /** members besides the first admin, or invitations sent */
  invited: boolean;
  testers: number;
  released: boolean;
}

export interface Step {
  key: "create" | "upload" | "invite" | "testers" | "launch";
  title: string;
  detail: string;
  done: boolean;
}

/** steps lists the five first steps in order, each done or not. */
export function steps(f: WorkspaceFacts): Step[] {
  return [
    { key: "create", title: "Create a mini program", detail: "Name it and pick its category.", done: f.miniPrograms > 0 },
    { key: "upload", title: "Upload a package", detail: "A .zip with app.json at its root; the platform validates it.", done: f.uploaded },
    { key: "invite", title: "Invite your team", detail: "Developers build, reviewers read, admins manage.", done: f.invited },
    { key: "testers", title: "Add testers", detail: "Testers open ready versions by QR code before launch.", done: f.testers > 0 },
    { key: "launch", title: "Launch", detail: "Submit a ready version; a platform reviewer approves it.", done: f.released },
  ];
}

/** nextStep is the first step not done, if any. */
export function nextStep(s: Step[]): Step | undefined {
  return s.find((x) => !x.done);
}
