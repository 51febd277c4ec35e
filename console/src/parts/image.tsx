// An image field: uploads a workspace image through a presigned URL and previews it.
import { useEffect, useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { AssetContentType, AssetKind } from "../api/types";
import { useApp } from "../context";
import { put, sha256Hex } from "../lib/upload";
import { errorText } from "../ui/form";

const imageTypes: AssetContentType[] = ["image/png", "image/jpeg", "image/webp", "image/svg+xml", "image/x-icon"];

/** ImageField uploads an image for the workspace and previews it. */
export function ImageField(p: { ws: string; kind: AssetKind; label: string; value: string; url?: string; onChange: (ref: string) => void; hint: string }) {
  const { client } = useApp();
  const [preview, setPreview] = useState<string>("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState("");
  useEffect(() => () => preview && URL.revokeObjectURL(preview), [preview]);
  async function choose(file: File | undefined) {
    if (!file) return;
    setError("");
    const type = (file.type || (file.name.endsWith(".ico") ? "image/x-icon" : "")) as AssetContentType;
    if (!imageTypes.includes(type)) {
      setError(`${file.name} is not a PNG, JPEG, WebP, SVG or ICO image.`);
      return;
    }
    try {
      setProgress(0);
      const a = await api.createAsset(client, p.ws, { kind: p.kind, contentType: type, size: file.size, sha256: await sha256Hex(file) });
      await put(a.upload, file, setProgress);
      setPreview(URL.createObjectURL(file));
      p.onChange(a.asset);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setProgress(null);
    }
  }
  const id = `img-${p.kind}`;
  return (
    <div class="field image-field">
      <label for={id}>{p.label}</label>
      <div class="preview">
        {preview || (p.value && p.url) ? <img src={preview || p.url} alt={`${p.label} preview`} /> : p.value ? <code>{p.value.split("/").pop()}</code> : <span class="muted">None</span>}
      </div>
      <input id={id} type="file" accept={imageTypes.join(",")} onChange={(e) => choose((e.target as HTMLInputElement).files?.[0])} />
      {progress !== null && <progress max={1} value={progress} aria-label={`${p.label} upload`} />}
      {error ? <p class="field-error" role="alert">{error}</p> : <p class="hint">{p.hint} The image is checked when you save.</p>}
      {p.value && (
        <button type="button" class="link" onClick={() => (p.onChange(""), setPreview(""))}>
          Remove {p.label.toLowerCase()}
        </button>
      )}
    </div>
  );
}
