// Mini programs: list, create, detail with versions and browser uploads, a
// version's validation report and trial, and feature grants.
import { useEffect, useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import * as api from "../api/endpoints";
import { Category, MiniProgram, PackageVersion, Release, Trial } from "../api/types";
import { RouteProps, useApp } from "../context";
import { useAsync, usePaged } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { put, sha256Hex } from "../lib/upload";
import { manifestVersion, ZipError } from "../lib/zip";
import { Action, Form, Select, TextArea, TextField, errorText } from "../ui/form";
import { Badge, Empty, Header, Loaded, PagedTable, When } from "../ui/data";
import { etag } from "../lib/etag";
import { bytes } from "../lib/format";
import { ImageField } from "../parts/image";
import { Live, MiniProgramFrame, mpBase } from "../parts/miniprogram";
import { QRCode } from "../ui/qr";

const categories: Category[] = ["shopping", "food", "travel", "finance", "education", "entertainment", "games", "health", "lifestyle", "social", "tools", "government", "other"];

export function MiniPrograms({ params }: RouteProps) {
  const { client, can } = useApp();
  const [sort, setSort] = useState<"-createdAt" | "createdAt">("-createdAt");
  // Each row says what users get now: the page's releases, read with it.
  const paged = usePaged<MiniProgram & { release?: Release }>(async (cursor) => {
    const page = await api.listMiniPrograms(client, params.ws, { cursor, limit: 20, sort });
    const releases = await Promise.all(page.items.map((m) => api.getRelease(client, params.ws, m.id).catch(() => undefined)));
    return { ...page, items: page.items.map((m, i) => ({ ...m, release: releases[i] })) };
  }, [params.ws, sort]);
  const develop = can(params.ws, "develop");
  return (
    <section>
      <Header title="Mini programs">{develop && <a class="button primary" href={path("workspaces", params.ws, "miniprograms", "new")}>Create mini program</a>}</Header>
      <div class="filters">
        <Select label="Sort" name="sort" value={sort} onChange={(v) => setSort(v as typeof sort)} options={[["-createdAt", "Newest first"], ["createdAt", "Oldest first"]]} />
      </div>
      <PagedTable<MiniProgram & { release?: Release }>
        paged={paged}
        label="Mini programs"
        rowKey={(m) => m.id}
        empty={develop ? "No mini programs yet. Create one, then upload its first package." : "No mini programs yet. Developers of this workspace create them."}
        columns={[
          { title: "Name", cell: (m) => <a href={mpBase(params.ws, m.id)}>{m.name}</a> },
          { title: "Category", cell: (m) => m.category },
          { title: "Live", cell: (m) => <Live r={m.release} /> },
          { title: "Latest upload", cell: (m) => m.latestVersion ?? <span class="muted">none</span> },
          { title: "Created", cell: (m) => <When at={m.createdAt} /> },
        ]}
      />
    </section>
  );
}

export function NewMiniProgram({ params }: RouteProps) {
  const { client } = useApp();
  const [f, setF] = useState({ name: "", category: "shopping" as Category, description: "" });
  const [key] = useState(newIdempotencyKey);
  return (
    <section>
      <Header title="Create a mini program" />
      <Form
        submit="Create"
        fields={["name", "category", "description"]}
        onSubmit={async () => {
          const m = await api.createMiniProgram(client, params.ws, { ...f, name: f.name.trim() }, key);
          navigate(mpBase(params.ws, m.id));
        }}
      >
        <TextField label="Name" name="name" value={f.name} onInput={(v) => setF({ ...f, name: v })} hint="Unique in this workspace." />
        <Select label="Category" name="category" value={f.category} onChange={(v) => setF({ ...f, category: v as Category })} options={categories.map((c) => [c, c])} />
        <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} />
      </Form>
    </section>
  );
}

/** Details shows a mini program's name, category, description and icon; developers edit them. */
export function Details({ params }: RouteProps) {
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/details"}>
      {(m, set) => <DetailsForm m={m} ws={params.ws} onSaved={(next) => set({ ...next, iconUrl: next.icon === m.icon ? m.iconUrl : undefined })} />}
    </MiniProgramFrame>
  );
}

function DetailsForm({ m, ws, onSaved }: { m: MiniProgram & { etag?: string }; ws: string; onSaved: (m: MiniProgram) => void }) {
  const { client, can } = useApp();
  const [f, setF] = useState({ name: m.name, category: m.category, description: m.description, icon: m.icon ?? "" });
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof f) => (v: string) => (setF({ ...f, [k]: v }), setSaved(false));
  if (!can(ws, "develop")) {
    return (
      <dl class="facts">
        <dt>Description</dt>
        <dd>{m.description || <span class="muted">None.</span>}</dd>
        <dt>Created</dt>
        <dd>
          <When at={m.createdAt} />
        </dd>
      </dl>
    );
  }
  return (
    <Form
      submit="Save details"
      fields={["name", "category", "description", "icon"]}
      secondary={saved && <span role="status">Saved.</span>}
      onSubmit={async () => {
        onSaved(await api.patchMiniProgram(client, ws, m.id, { ...f, category: f.category as Category, name: f.name.trim() }, m.etag ?? etag(m.version)));
        setSaved(true);
      }}
    >
      <TextField label="Name" name="name" value={f.name} onInput={set("name")} hint="Unique in this workspace." />
      <Select label="Category" name="category" value={f.category} onChange={set("category")} options={categories.map((c) => [c, c])} />
      <TextArea label="Description" name="description" value={f.description} onInput={set("description")} />
      <ImageField ws={ws} kind="icon" label="Icon" value={f.icon} url={m.iconUrl} onChange={set("icon")} hint="Square PNG, JPEG or WebP." />
    </Form>
  );
}

export function MiniProgramDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const [tick, setTick] = useState(0);
  const versions = usePaged((cursor) => api.listVersions(client, params.ws, params.mp, { cursor, limit: 20 }), [params.ws, params.mp, tick]);
  const develop = can(params.ws, "develop");
  // Versions being processed change on their own: look again every 2 seconds.
  const busy = versions.data?.items.some((v) => v.status === "processing" || v.status === "uploading");
  useEffect(() => {
    if (!busy) return;
    const t = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => clearTimeout(t);
  }, [busy, versions.data]);
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base}>
      {(_, __, frame) => (
        <>
          {develop && (
            <UploadBox
              ws={params.ws}
              mp={params.mp}
              versions={versions.data?.items ?? []}
              onUploaded={() => (setTick((n) => n + 1), frame.refresh())}
            />
          )}
          <h2>Versions</h2>
          <PagedTable<PackageVersion>
            paged={versions}
            label="Versions"
            rowKey={(v) => v.id}
            empty={develop ? "No versions yet. Drop a package above to upload the first one." : "No versions yet."}
            columns={[
              { title: "Version", cell: (v) => <a href={`${base}/versions/${encodeURIComponent(v.version)}`}>{v.version}</a> },
              { title: "Status", cell: (v) => <Badge value={v.status} /> },
              { title: "Size", cell: (v) => bytes(v.size) },
              { title: "Uploaded", cell: (v) => <When at={v.createdAt} /> },
              { title: "Launch", cell: (v) => (v.status === "ready" && develop ? <a href={`${base}/launches/new?version=${encodeURIComponent(v.version)}`}>Launch…</a> : null) },
            ]}
          />
        </>
      )}
    </MiniProgramFrame>
  );
}

type Stage = { step: "idle" } | { step: "reading" | "hashing" | "requesting" } | { step: "uploading"; progress: number } | { step: "done"; version: string };

/** UploadBox takes a package by drag and drop (or a file picker), reads its version, and uploads it with progress. */
function UploadBox({ ws, mp, versions, onUploaded }: { ws: string; mp: string; versions: PackageVersion[]; onUploaded: () => void }) {
  const { client } = useApp();
  const [file, setFile] = useState<File | null>(null);
  const [version, setVersion] = useState("");
  const [stage, setStage] = useState<Stage>({ step: "idle" });
  const [error, setError] = useState<unknown>();
  const [over, setOver] = useState(false);

  async function pick(f: File | undefined) {
    if (!f) return;
    setFile(f);
    setError(undefined);
    setStage({ step: "reading" });
    try {
      setVersion(await manifestVersion(f));
    } catch (err) {
      setVersion("");
      setError(err);
    } finally {
      setStage({ step: "idle" });
    }
  }

  async function upload() {
    if (!file) return;
    setError(undefined);
    try {
      setStage({ step: "hashing" });
      const sha256 = await sha256Hex(file);
      setStage({ step: "requesting" });
      const u = await api.startUpload(client, ws, mp, { version: version.trim(), size: file.size, sha256 });
      setStage({ step: "uploading", progress: 0 });
      await put(u.upload, file, (progress) => setStage({ step: "uploading", progress }));
      setStage({ step: "done", version: u.packageVersion.version });
      setFile(null);
      onUploaded();
    } catch (err) {
      setError(err);
      setStage({ step: "idle" });
    }
  }

  const working = stage.step !== "idle" && stage.step !== "done";
  return (
    <div
      class={"dropzone" + (over ? " over" : "")}
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        pick(e.dataTransfer?.files[0]);
      }}
    >
      <h2>Upload a package</h2>
      <p>
        Drop a package (.zip with app.json at its root) here, or <label class="link">choose a file<input type="file" accept=".zip,application/zip" class="sr-only" aria-label="Package file" onChange={(e) => pick((e.target as HTMLInputElement).files?.[0])} /></label>. Build one
        with <code>mpdp upload</code>, or zip your project folder.
      </p>
      {file && (
        <div class="row">
          <span>
            <strong>{file.name}</strong> ({bytes(file.size)})
          </span>
          <TextField label="Version" name="version" value={version} onInput={setVersion} hint="From app.json; must be newer than every earlier upload." />
          <button type="button" class="primary" disabled={working || !version} onClick={upload}>
            Upload {version}
          </button>
        </div>
      )}
      {stage.step === "uploading" && (
        <div class="progress-row">
          <progress max={1} value={stage.progress} aria-label="Upload progress" />
          <span>{Math.round(stage.progress * 100)}%</span>
        </div>
      )}
      {(stage.step === "hashing" || stage.step === "requesting" || stage.step === "reading") && <p aria-busy="true">{{ reading: "Reading app.json…", hashing: "Computing the checksum…", requesting: "Asking for an upload link…" }[stage.step]}</p>}
      {stage.step === "done" && <Uploaded version={stage.version} v={versions.find((x) => x.version === stage.version)} href={`${mpBase(ws, mp)}/versions/${encodeURIComponent(stage.version)}`} />}
      {error !== undefined && (
        <div class="notice error" role="alert">
          <p>{errorText(error)}</p>
          {error instanceof ZipError && error.problems.length > 0 && (
            <ul class="problems" aria-label="Problems">
              {error.problems.map((p, i) => (
                <li key={i}>
                  <code>{p.code}</code> {p.path && <code>{p.path}</code>} {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

/** Uploaded says where a just-uploaded version stands, following its validation to the end. */
function Uploaded({ version, v, href }: { version: string; v?: PackageVersion; href: string }) {
  if (v?.status === "ready")
    return (
      <p class="notice ok" role="status">
        Uploaded {version}: it is valid and ready to launch.
      </p>
    );
  if (v && v.status !== "processing" && v.status !== "uploading")
    return (
      <p class="notice error" role="status">
        Uploaded {version}, but it is {v.status.replace(/_/g, " ")}: <a href={href}>see its report</a> for what to fix.
      </p>
    );
  return (
    <p class="notice ok" role="status">
      Uploaded {version}. The platform is validating it; the result appears here and below in a few seconds.
    </p>
  );
}

export function VersionDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const v = useAsync(() => api.getVersion(client, params.ws, params.mp, params.version), [params.ws, params.mp, params.version]);
  const [trial, setTrial] = useState<Trial | null>(null);
  const base = mpBase(params.ws, params.mp);
  useEffect(() => {
    if (v.data && (v.data.status === "processing" || v.data.status === "uploading")) {
      const t = setTimeout(v.reload, 2000);
      return () => clearTimeout(t);
    }
  }, [v.data]);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base}>
      {() => (
        <Loaded a={v}>
          {(x) => (
            <>
              <h2>
                Version {x.version} <Badge value={x.status} />
              </h2>
              <dl class="facts">
                <dt>Size</dt>
                <dd>{bytes(x.size)}</dd>
                <dt>SHA-256</dt>
                <dd>
                  <code>{x.sha256}</code>
                </dd>
                <dt>Uploaded</dt>
                <dd>
                  <When at={x.createdAt} />
                </dd>
                <dt>Processed</dt>
                <dd>
                  <When at={x.processedAt} />
                </dd>
              </dl>
              {x.failure && <p class="notice error">Processing failed: {x.failure}</p>}
              {x.report && (
                <>
                  <h3>Validation report</h3>
                  {x.report.valid ? (
                    <p class="notice ok" role="status">
                      The package is valid: {x.report.entries} files, {bytes(x.report.uncompressedBytes)} unpacked, {x.report.manifest?.pages.length ?? 0} pages.
                    </p>
                  ) : (
                    <ul class="problems" aria-label="Problems">
                      {x.report.problems.map((p, i) => (
                        <li key={i}>
                          <code>{p.code}</code> {p.path && <code>{p.path}</code>} {p.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              )}
              {x.status === "ready" && (
                <>
                  <h3>Trial</h3>
                  <p>Testers of this workspace can open a ready version by scanning its QR code in the host app.</p>
                  <Action label="Show trial QR code" run={async () => setTrial(await api.startTrial(client, params.ws, params.mp, x.version))} />
                  {trial && (
                    <div class="trial">
                      <QRCode text={trial.qrPayload} label={`Trial QR code for ${trial.version}`} />
                      <p>
                        Valid until <When at={trial.expiresAt} />. <a href={trial.downloadUrl}>Download the package</a>
                      </p>
                    </div>
                  )}
                  {can(params.ws, "develop") && (
                    <p>
                      <a class="button primary" href={`${base}/launches/new?version=${encodeURIComponent(x.version)}`}>
                        Launch {x.version}…
                      </a>
                    </p>
                  )}
                </>
              )}
            </>
          )}
        </Loaded>
      )}
    </MiniProgramFrame>
  );
}

export function Features({ params }: RouteProps) {
  const { client, can } = useApp();
  const [tick, setTick] = useState(0);
  const grants = usePaged((cursor) => api.listFeatureGrants(client, params.ws, params.mp, { cursor, limit: 25 }), [params.ws, params.mp, tick]);
  const catalog = useAsync(() => api.listFeatures(client, { limit: 100 }), []);
  const [featureId, setFeatureId] = useState("");
  const [reason, setReason] = useState("");
  const [requested, setRequested] = useState("");
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/features"}>
      {() => (
        <>
          {can(params.ws, "develop") && (
            <Loaded a={catalog}>
              {(c) => {
                // What this mini program already holds is not offered again (the first page of grants; the API refuses the rest).
                const held = new Set((grants.data?.items ?? []).filter((g) => g.status === "active").map((g) => g.featureId));
                const offered = c.items.filter((f) => !held.has(f.id));
                const chosen = offered.some((f) => f.id === featureId) ? featureId : offered[0]?.id ?? "";
                return c.items.length === 0 ? (
                  <Empty>The platform offers no features yet.</Empty>
                ) : offered.length === 0 ? (
                  <p class="muted">This mini program holds every feature the platform offers.</p>
                ) : (
                  <Form
                    class="inline"
                    submit="Request activation"
                    fields={["featureId", "reason"]}
                    onSubmit={async () => {
                      const a = await api.requestFeature(client, params.ws, params.mp, { featureId: chosen, reason: reason || undefined });
                      setRequested(a.id);
                      setTick((t) => t + 1);
                    }}
                  >
                    <Select label="Feature" name="featureId" value={chosen} onChange={setFeatureId} options={offered.map((f) => [f.id, f.name])} />
                    <TextField label="Why" name="reason" value={reason} onInput={setReason} />
                  </Form>
                );
              }}
            </Loaded>
          )}
          {requested && (
            <p class="notice ok" role="status">
              Requested. A platform reviewer decides; the grant appears here once approved (<a href={path("approvals", requested)}>approval</a>).
            </p>
          )}
          <h2>Granted features</h2>
          <PagedTable
            paged={grants}
            label="Feature grants"
            rowKey={(g) => g.featureId}
            empty="No features granted yet. Request one above; a platform reviewer approves it."
            columns={[
              { title: "Feature", cell: (g) => g.featureName },
              { title: "Status", cell: (g) => <Badge value={g.status} /> },
              { title: "Granted", cell: (g) => <When at={g.grantedAt} /> },
            ]}
          />
        </>
      )}
    </MiniProgramFrame>
  );
}
