package api

import (
	"net/http"
	"net/url"
	"strings"
)

// created names a resource a 201 created, as the Location header: the path,
// under /v1, that reads it (or, where the API has no read, addresses it).
// Segments are path-escaped, so a name like a JSAPI's stays one segment.
func created(w http.ResponseWriter, segments ...string) {
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	w.Header().Set("Location", "/v1/"+strings.Join(segments, "/"))
}
