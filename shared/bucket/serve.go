package bucket

import (
	"mime"
	"path"
	"strings"

	"github.com/mpdp/platform/shared/domain"
)

// Everything in the bucket was uploaded by someone: packages, icons, logos,
// screenshots. A browser that opened one of them as a page (an SVG with
// script, an HTML file named .png) would run it on the bucket's origin. So
// every presigned download tells S3 to answer with the type the key's
// extension allows, never what the uploader declared, and as an attachment:
// a navigation saves the file instead of rendering it, while <img> ignores
// Content-Disposition and still shows images. S3 cannot add
// Content-Security-Policy or nosniff headers to presigned answers; an
// attachment is never rendered, so it needs neither.

// downloadTypes are the types served by extension; anything else is
// application/octet-stream.
var downloadTypes = func() map[string]string {
	m := map[string]string{"zip": "application/zip", "json": "application/json"}
	for typ, ext := range domain.AssetTypes {
		m[ext] = typ
	}
	return m
}()

// downloadHeaders returns the Content-Type and Content-Disposition a
// presigned download of key is answered with.
func downloadHeaders(key string) (contentType, disposition string) {
	name := path.Base(key)
	contentType, ok := downloadTypes[strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))]
	if !ok {
		contentType = "application/octet-stream"
	}
	disposition = mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" { // a name FormatMediaType cannot quote
		disposition = "attachment"
	}
	return contentType, disposition
}
