// Package openapi holds the API's OpenAPI 3.1 document (openapi.yaml) and checks
// requests and responses against it, so tests can prove the handlers answer what
// the document promises.
//
// The document's schemas are JSON Schema 2020-12 (the dialect of OpenAPI 3.1);
// Load compiles every one of them once, and the returned Doc is immutable and
// safe for concurrent use.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

//go:embed openapi.yaml
var spec []byte

// YAML returns the document as written.
func YAML() []byte { return slices.Clone(spec) }

// docURL is where the document lives for the schema compiler; refs like
// "#/components/schemas/Workspace" resolve inside it.
const docURL = "mem://mpdp/openapi.json"

// methods are the operation keys of an OpenAPI path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Doc is the loaded, compiled document.
type Doc struct {
	json    []byte
	ops     map[string]*operation // by "METHOD /path"
	schemas map[string]*jsonschema.Schema
	mux     *http.ServeMux // matches concrete paths to the document's paths
}

type operation struct {
	method, path string
	request      *requestBody         // nil when the operation takes no body
	responses    map[string]*response // by "200", "4XX" or "default"
}

type requestBody struct {
	required bool
	content  map[string]*jsonschema.Schema // by lower-case media type; a nil schema takes any body
}

type response struct {
	content map[string]*jsonschema.Schema // empty: the response has no body
	headers map[string]*header            // by canonical header name
}

// header is a response header the document declares: required ones must be
// sent; any that is sent must match its schema.
type header struct {
	required bool
	schema   *jsonschema.Schema // nil: any value
}

var load = sync.OnceValues(compile)

// Load parses and compiles the embedded document. The work is done once; every
// call returns the same immutable Doc.
func Load() (*Doc, error) { return load() }

// JSON returns the document converted to JSON.
func (d *Doc) JSON() []byte { return slices.Clone(d.json) }

// Operations lists every operation as "METHOD /path", sorted, so a test can
// compare the document with the route table.
func (d *Doc) Operations() []string {
	out := make([]string, 0, len(d.ops))
	for k := range d.ops {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Route finds the document's path that serves a concrete request path, like
// "/v1/workspaces/{ws}" for GET "/v1/workspaces/ws_123", so a test client can
// validate what it sees without knowing the route.
func (d *Doc) Route(method, path string) (string, bool) {
	r := &http.Request{Method: strings.ToUpper(method), URL: &url.URL{Path: path}, Host: "api"}
	_, pattern := d.mux.Handler(r)
	if _, ok := d.ops[pattern]; !ok {
		return "", false
	}
	_, p, _ := strings.Cut(pattern, " ")
	return p, true
}

// ValidateResponse checks a response of the operation at method and
// routePattern (the route table's path, like "/v1/workspaces/{ws}"): its status
// must be documented (exactly, else by range like "4XX", else by "default"), its
// media type (parameters such as charset ignored) must be one the status lists,
// and the body must match that media type's schema. A status documented without
// content requires an empty body. A problem body must also carry the response's
// status.
func (d *Doc) ValidateResponse(method, routePattern string, status int, contentType string, body []byte) error {
	op, err := d.operation(method, routePattern)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s %s: response %d", op.method, op.path, status)
	resp := op.response(status)
	if resp == nil {
		return fmt.Errorf("%s: status %d is not documented (documented: %s)", where, status, strings.Join(op.statuses(), ", "))
	}
	if len(resp.content) == 0 {
		if len(body) != 0 {
			return fmt.Errorf("%s: the document says this response has no body, got %d bytes", where, len(body))
		}
		return nil
	}
	mt, sch, err := lookupMedia(resp.content, contentType)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	v, err := validateBody(sch, body)
	if err != nil {
		return fmt.Errorf("%s (%s): %w", where, mt, err)
	}
	if mt == "application/problem+json" {
		if obj, ok := v.(map[string]any); ok {
			if n, ok := obj["status"].(json.Number); ok && n.String() != strconv.Itoa(status) {
				return fmt.Errorf("%s (%s): the problem's status is %s, not the response's %d", where, mt, n, status)
			}
		}
	}
	return nil
}

// ValidateResponseHeaders checks a response's headers against the headers the
// document declares for its status: every header declared `required: true`
// must be sent, and every declared header that is sent must match its schema.
// A header the document declares as required and the handler forgets is the
// kind of promise a client builds on (Location, ETag), so it fails here.
func (d *Doc) ValidateResponseHeaders(method, routePattern string, status int, h http.Header) error {
	op, err := d.operation(method, routePattern)
	if err != nil {
		return err
	}
	resp := op.response(status)
	if resp == nil {
		return fmt.Errorf("%s %s: response %d: status %d is not documented", op.method, op.path, status, status)
	}
	var errs []error
	for _, name := range sortedKeys(resp.headers) {
		decl := resp.headers[name]
		vals := h.Values(name)
		if len(vals) == 0 {
			if decl.required {
				errs = append(errs, fmt.Errorf("%s %s: response %d: the document declares the header %s as required; it was not sent", op.method, op.path, status, name))
			}
			continue
		}
		if decl.schema == nil {
			continue
		}
		for _, v := range vals {
			if err := validateHeader(decl.schema, v); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: response %d: header %s: %q does not match its schema: %w", op.method, op.path, status, name, v, err))
			}
		}
	}
	return errors.Join(errs...)
}

// validateHeader checks a header value against its schema. Headers are text on
// the wire (OpenAPI's simple style), so a value that reads as a JSON number or
// boolean is also tried as one: Retry-After: 120 matches {type: integer}.
func validateHeader(schema *jsonschema.Schema, v string) error {
	err := schema.Validate(v)
	if err == nil {
		return nil
	}
	if typed, perr := jsonschema.UnmarshalJSON(strings.NewReader(v)); perr == nil {
		if _, isString := typed.(string); !isString && schema.Validate(typed) == nil {
			return nil
		}
	}
	return err
}

// ResponseHeaders lists the headers the document declares for a response of an
// operation, with whether each is required, so tests can report coverage.
func (d *Doc) ResponseHeaders(method, routePattern string, status int) (map[string]bool, error) {
	op, err := d.operation(method, routePattern)
	if err != nil {
		return nil, err
	}
	resp := op.response(status)
	if resp == nil {
		return nil, fmt.Errorf("%s %s: status %d is not documented", op.method, op.path, status)
	}
	out := make(map[string]bool, len(resp.headers))
	for k, v := range resp.headers {
		out[k] = v.required
	}
	return out, nil
}

// ValidateRequest checks a request body for the operation at method and
// routePattern: an operation without a request body takes an empty body only; an
// empty body is accepted when the body is optional; otherwise the media type must
// be one the operation lists and the body must match its schema.
func (d *Doc) ValidateRequest(method, routePattern, contentType string, body []byte) error {
	op, err := d.operation(method, routePattern)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s %s: request", op.method, op.path)
	if op.request == nil {
		if len(body) != 0 {
			return fmt.Errorf("%s: the operation takes no body, got %d bytes", where, len(body))
		}
		return nil
	}
	if len(body) == 0 {
		if op.request.required {
			return fmt.Errorf("%s: a body is required", where)
		}
		return nil
	}
	mt, sch, err := lookupMedia(op.request.content, contentType)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if _, err := validateBody(sch, body); err != nil {
		return fmt.Errorf("%s (%s): %w", where, mt, err)
	}
	return nil
}

func (d *Doc) operation(method, path string) (*operation, error) {
	key := strings.ToUpper(method) + " " + path
	op, ok := d.ops[key]
	if !ok {
		return nil, fmt.Errorf("openapi: no operation %q in the document", key)
	}
	return op, nil
}

func (op *operation) response(status int) *response {
	code := strconv.Itoa(status)
	if r, ok := op.responses[code]; ok {
		return r
	}
	if status >= 100 && status <= 599 {
		if r, ok := op.responses[code[:1]+"XX"]; ok {
			return r
		}
	}
	return op.responses["default"]
}

func (op *operation) statuses() []string {
	out := make([]string, 0, len(op.responses))
	for k := range op.responses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lookupMedia finds the schema for a Content-Type among an object's content:
// exact media type, then "type/*", then "*/*".
func lookupMedia(content map[string]*jsonschema.Schema, contentType string) (string, *jsonschema.Schema, error) {
	listed := make([]string, 0, len(content))
	for k := range content {
		listed = append(listed, k)
	}
	sort.Strings(listed)
	if strings.TrimSpace(contentType) == "" {
		return "", nil, fmt.Errorf("no Content-Type; the document lists %s", strings.Join(listed, ", "))
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, fmt.Errorf("malformed Content-Type %q: %v", contentType, err)
	}
	mt = strings.ToLower(mt)
	typ, _, _ := strings.Cut(mt, "/")
	for _, k := range []string{mt, typ + "/*", "*/*"} {
		if sch, ok := content[k]; ok {
			return mt, sch, nil
		}
	}
	return "", nil, fmt.Errorf("media type %q is not documented; the document lists %s", mt, strings.Join(listed, ", "))
}

// validateBody parses body as one JSON value and checks it against sch (nil: any
// JSON value). It returns the parsed value.
func validateBody(sch *jsonschema.Schema, body []byte) (any, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the body is not one JSON value: %v", err)
	}
	if sch == nil {
		return v, nil
	}
	if err := sch.Validate(v); err != nil {
		return v, fmt.Errorf("the body does not match the schema: %w", err)
	}
	return v, nil
}

// --- loading ------------------------------------------------------------------

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// loader resolves local references in the document and compiles schemas.
type loader struct {
	root map[string]any
	c    *jsonschema.Compiler
	errs []error
}

func compile() (*Doc, error) {
	js, err := yaml.YAMLToJSON(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: openapi.yaml is not valid YAML: %w", err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fmt.Errorf("openapi: converted document is not JSON: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("openapi: the document is not an object")
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi: the document is OpenAPI %q, want 3.1.x", v)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, raw); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	l := &loader{root: root, c: c}
	d := &Doc{json: js, ops: map[string]*operation{}, schemas: map[string]*jsonschema.Schema{}, mux: http.NewServeMux()}

	components, _ := root["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	for _, name := range sortedKeys(schemas) {
		if sch := l.schema("/components/schemas/" + escape(name)); sch != nil {
			d.schemas[name] = sch
		}
	}

	paths, ok := root["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("openapi: the document has no paths")
	}
	for _, path := range sortedKeys(paths) {
		itemPtr := "/paths/" + escape(path)
		item, _ := l.deref(itemPtr, paths[path])
		itemObj, ok := item.(map[string]any)
		if !ok {
			l.fail("%s: path item is not an object", path)
			continue
		}
		shared := l.params(itemPtr, itemObj["parameters"])
		for _, m := range methods {
			raw, ok := itemObj[m]
			if !ok {
				continue
			}
			opObj, ok := raw.(map[string]any)
			if !ok {
				l.fail("%s %s: operation is not an object", strings.ToUpper(m), path)
				continue
			}
			op := l.operation(strings.ToUpper(m), path, itemPtr+"/"+m, opObj, shared)
			key := op.method + " " + op.path
			d.ops[key] = op
			if err := register(d.mux, key); err != nil {
				l.fail("%s: %v", key, err)
			}
		}
	}
	if len(l.errs) > 0 {
		return nil, fmt.Errorf("openapi: the document is inconsistent: %w", errors.Join(l.errs...))
	}
	return d, nil
}

// register adds a pattern to mux, turning its panic on a bad or conflicting
// pattern into an error.
func register(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	return nil
}

func (l *loader) fail(format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf(format, args...))
}

// deref follows a local $ref ("#/...") to the object it names, returning it and
// its JSON pointer. Other values are returned unchanged.
func (l *loader) deref(ptr string, v any) (any, string) {
	for range 32 {
		obj, ok := v.(map[string]any)
		if !ok {
			return v, ptr
		}
		ref, ok := obj["$ref"].(string)
		if !ok {
			return v, ptr
		}
		if !strings.HasPrefix(ref, "#/") {
			l.fail("%s: only local references are supported, got %q", ptr, ref)
			return nil, ptr
		}
		target, err := lookup(l.root, ref[1:])
		if err != nil {
			l.fail("%s: $ref %q: %v", ptr, ref, err)
			return nil, ptr
		}
		v, ptr = target, ref[1:]
	}
	l.fail("%s: reference chain too long", ptr)
	return nil, ptr
}

type param struct{ name, in string }

// params reads a parameter list, keyed by name and location.
func (l *loader) params(ptr string, v any) map[param]map[string]any {
	out := map[param]map[string]any{}
	list, _ := v.([]any)
	for i, p := range list {
		obj, _ := l.deref(ptr+"/parameters/"+strconv.Itoa(i), p)
		m, ok := obj.(map[string]any)
		if !ok {
			l.fail("%s: parameter %d is not an object", ptr, i)
			continue
		}
		name, _ := m["name"].(string)
		in, _ := m["in"].(string)
		if name == "" || in == "" {
			l.fail("%s: parameter %d needs name and in", ptr, i)
			continue
		}
		out[param{name, in}] = m
	}
	return out
}

func (l *loader) operation(method, path, ptr string, obj map[string]any, shared map[param]map[string]any) *operation {
	op := &operation{method: method, path: path, responses: map[string]*response{}}
	where := method + " " + path

	// Path parameters: exactly the path's template names, each required.
	params := map[param]map[string]any{}
	for k, v := range shared {
		params[k] = v
	}
	for k, v := range l.params(ptr, obj["parameters"]) {
		params[k] = v
	}
	want := map[string]bool{}
	for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
		want[m[1]] = true
	}
	for p, m := range params {
		if p.in != "path" {
			continue
		}
		if !want[p.name] {
			l.fail("%s: path parameter %q is not in the path", where, p.name)
		}
		if req, _ := m["required"].(bool); !req {
			l.fail("%s: path parameter %q must be required", where, p.name)
		}
		delete(want, p.name)
	}
	for name := range want {
		l.fail("%s: path parameter {%s} is not declared", where, name)
	}

	if rb, ok := obj["requestBody"]; ok {
		v, rbPtr := l.deref(ptr+"/requestBody", rb)
		if m, ok := v.(map[string]any); ok {
			req, _ := m["required"].(bool)
			op.request = &requestBody{required: req, content: l.content(where+" request", rbPtr, m)}
			if len(op.request.content) == 0 {
				l.fail("%s: request body has no content", where)
			}
		} else {
			l.fail("%s: requestBody is not an object", where)
		}
	}

	responses, ok := obj["responses"].(map[string]any)
	if !ok || len(responses) == 0 {
		l.fail("%s: no responses", where)
	}
	for _, code := range sortedKeys(responses) {
		if !validStatusKey(code) {
			l.fail("%s: response key %q is not a status, a range like 4XX, or default", where, code)
			continue
		}
		v, rPtr := l.deref(ptr+"/responses/"+escape(code), responses[code])
		m, ok := v.(map[string]any)
		if !ok {
			l.fail("%s: response %s is not an object", where, code)
			continue
		}
		op.responses[code] = &response{content: l.content(where+" response "+code, rPtr, m),
			headers: l.headers(where+" response "+code, rPtr, m)}
	}
	return op
}

func validStatusKey(k string) bool {
	if k == "default" {
		return true
	}
	if len(k) != 3 || k[0] < '1' || k[0] > '5' {
		return false
	}
	if k[1:] == "XX" {
		return true
	}
	n, err := strconv.Atoi(k)
	return err == nil && n >= 100 && n <= 599
}

// headers reads a response's declared headers (resolving $refs) and compiles
// their schemas.
func (l *loader) headers(where, ptr string, obj map[string]any) map[string]*header {
	out := map[string]*header{}
	hs, _ := obj["headers"].(map[string]any)
	for _, name := range sortedKeys(hs) {
		v, hPtr := l.deref(ptr+"/headers/"+escape(name), hs[name])
		m, ok := v.(map[string]any)
		if !ok {
			l.fail("%s: header %s is not an object", where, name)
			continue
		}
		req, _ := m["required"].(bool)
		h := &header{required: req}
		if _, ok := m["schema"]; ok {
			h.schema = l.schema(hPtr + "/schema")
		}
		out[http.CanonicalHeaderKey(name)] = h
	}
	return out
}

// content compiles the schemas of a request body's or response's content map.
func (l *loader) content(where, ptr string, obj map[string]any) map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	content, _ := obj["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		media, ok := content[mt].(map[string]any)
		if !ok {
			l.fail("%s: media type %s is not an object", where, mt)
			continue
		}
		if _, _, err := mime.ParseMediaType(mt); err != nil && !strings.Contains(mt, "*") {
			l.fail("%s: %q is not a media type", where, mt)
		}
		var sch *jsonschema.Schema
		if _, ok := media["schema"]; ok {
			sch = l.schema(ptr + "/content/" + escape(mt) + "/schema")
		}
		out[strings.ToLower(mt)] = sch
	}
	return out
}

func (l *loader) schema(ptr string) *jsonschema.Schema {
	sch, err := l.c.Compile(docURL + "#" + encodePointer(ptr))
	if err != nil {
		l.fail("schema at %s does not compile: %v", ptr, err)
		return nil
	}
	return sch
}

// escape escapes one JSON pointer token.
func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func unescape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// encodePointer makes a JSON pointer safe in a URL fragment.
func encodePointer(ptr string) string {
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = url.PathEscape(t)
	}
	return strings.Join(toks, "/")
}

// lookup resolves a JSON pointer ("/a/b") in v.
func lookup(v any, ptr string) (any, error) {
	if ptr == "" {
		return v, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("%q is not a JSON pointer", ptr)
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescape(tok)
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, fmt.Errorf("%q not found", tok)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("index %q out of range", tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%q: not a container", tok)
		}
	}
	return v, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
