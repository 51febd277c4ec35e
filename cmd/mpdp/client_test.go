package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProblemDecoding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/problem":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"type":"https://mpdp.dev/problems/invalid-request","title":"Bad Request","status":400,
				"detail":"the request has invalid fields","errors":[{"field":"version","message":"\"x\" is not a semantic version"}],"requestId":"req-1"}`)
		case "/gateway":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>Bad Gateway</html>")
		case "/empty":
			w.WriteHeader(404)
		case "/ok":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(401)
				return
			}
			fmt.Fprint(w, `{"status":"ok"}`)
		}
	}))
	defer srv.Close()
	api := &apiClient{base: srv.URL, http: srv.Client(), token: func(context.Context) (string, error) { return "tok", nil }}
	ctx := context.Background()

	_, _, err := api.call(ctx, "POST", "/problem", nil, map[string]string{"a": "b"}, nil, nil)
	p, ok := errors.AsType[*apiError](err)
	if !ok || p.Status != 400 || p.Detail != "the request has invalid fields" || len(p.Errors) != 1 || p.Errors[0].Field != "version" || p.RequestID != "req-1" || transient(err) {
		t.Fatalf("problem %#v", err)
	}
	c := &cli{deps: testDeps(t, nil)}
	var stderr bytes.Buffer
	c.stderr = &stderr
	c.printError(err)
	want := "mpdp: 400 Bad Request: the request has invalid fields\n  version: \"x\" is not a semantic version\n  (request id req-1)\n"
	if stderr.String() != want {
		t.Errorf("printed %q, want %q", stderr.String(), want)
	}
	stderr.Reset()
	c.opts.json = true
	c.printError(err)
	var asJSON struct {
		ExitCode int      `json:"exitCode"`
		Error    apiError `json:"error"`
	}
	if json.Unmarshal(stderr.Bytes(), &asJSON) != nil || asJSON.ExitCode != 2 || asJSON.Error.Errors[0].Field != "version" {
		t.Errorf("JSON error %s", stderr.String())
	}

	_, _, err = api.call(ctx, "GET", "/gateway", nil, nil, nil, nil)
	if p, ok := errors.AsType[*apiError](err); !ok || p.Status != 502 || p.Title != "Bad Gateway" || !strings.Contains(p.Detail, "Bad Gateway") || !transient(err) {
		t.Fatalf("gateway error %#v", err)
	}
	_, _, err = api.call(ctx, "GET", "/empty", nil, nil, nil, nil)
	if p, ok := errors.AsType[*apiError](err); !ok || p.Error() != "404 Not Found" {
		t.Fatalf("empty 404: %v", err)
	}
	var out struct{ Status string }
	if _, _, err := api.call(ctx, "GET", "/ok", nil, nil, nil, &out); err != nil || out.Status != "ok" {
		t.Fatalf("ok: %v %+v", err, out)
	}

	srv.Close()
	_, _, err = api.call(ctx, "GET", "/ok", nil, nil, nil, nil)
	if _, ok := errors.AsType[*networkError](err); !ok || !transient(err) || exitCode(err) != exitError || !strings.HasPrefix(err.Error(), "cannot reach "+srv.URL) {
		t.Fatalf("network error %#v", err)
	}
}

func TestUnauthorizedSaysLoginAgain(t *testing.T) {
	c := &cli{deps: testDeps(t, nil)}
	var stderr bytes.Buffer
	c.stderr = &stderr
	c.printError(&apiError{Status: 401, Title: "Unauthorized", Detail: "token expired"})
	if !strings.Contains(stderr.String(), "run mpdp login again") {
		t.Fatalf("%q", stderr.String())
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 2},
		{usageErr(errors.New("bad flag")), 2},
		{&apiError{Status: 409}, 2},
		{&networkError{url: "x", err: errors.New("refused")}, 2},
		{quietExit(exitInvalid, errors.New("invalid")), 1},
		{quietExit(exitLocalInvalid, errors.New("invalid")), 3},
		{withCode(exitTimeout, errors.New("late")), 4},
		{fmt.Errorf("wrapped: %w", withCode(exitTimeout, errors.New("late"))), 4},
		{context.Canceled, 2},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	d := testDeps(t, nil)
	for _, args := range [][]string{
		{"bogus"},
		{"upload"},
		{"upload", "a", "b"},
		{"upload", ".", "--workspace", "ws"},
		{"upload", ".", "--nope"},
		{"versions", "-w", "ws", "-m", "mp", "--limit", "500"},
		{"status", "-w", "ws", "-m", "mp", "not-a-version"},
		{"versions", "-w", "ws", "-m", "mp"}, // no API configured
	} {
		if code, _, stderr := run(t, d, "", args...); code != 2 || !strings.HasPrefix(stderr, "mpdp: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, stdout, _ := run(t, d, "", "--help"); code != 0 || !strings.Contains(stdout, "Examples:") {
		t.Errorf("--help: exit %d", code)
	}
	for _, cmd := range []string{"login", "upload", "versions", "status"} {
		if code, stdout, _ := run(t, d, "", cmd, "--help"); code != 0 || !strings.Contains(stdout, "Examples:\n  ") {
			t.Errorf("%s --help: exit %d, no examples", cmd, code)
		}
	}
}
