package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestMailboxKeepsTheLastEmails(t *testing.T) {
	box := NewMailbox(3)
	for _, to := range []string{"a@x", "b@x", "c@x", "d@x"} {
		box.Add(Email{To: to})
	}
	var got []string
	for _, e := range box.Items() {
		got = append(got, e.To)
	}
	if strings.Join(got, ",") != "b@x,c@x,d@x" {
		t.Fatalf("kept %v, want the last three, oldest first", got)
	}
}

func TestMailboxServesJSON(t *testing.T) {
	box := NewMailbox(0)
	rec := httptest.NewRecorder()
	box.ServeHTTP(rec, httptest.NewRequest("GET", MailPath, nil))
	if rec.Body.String() != "{\"items\":[]}\n" {
		t.Errorf("empty mailbox: %q", rec.Body.String())
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	box.Add(Email{To: "a@x", Subject: "Hi", Text: "body\n", SentAt: at})
	rec = httptest.NewRecorder()
	box.ServeHTTP(rec, httptest.NewRequest("GET", MailPath, nil))
	want := `{"items":[{"to":"a@x","subject":"Hi","text":"body\n","sentAt":"2026-01-02T03:04:05Z"}]}` + "\n"
	if rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("mailbox: %q (%s), want %q", rec.Body.String(), rec.Header().Get("Content-Type"), want)
	}
	rec = httptest.NewRecorder()
	box.ServeHTTP(rec, httptest.NewRequest("POST", MailPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
}

func TestRecordedKeepsWhatWasSent(t *testing.T) {
	body := func(to string) string {
		b, _ := json.Marshal(map[string]string{"to": to, "subject": "S", "text": "T"})
		return string(b)
	}
	batch := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: body("ok@x")}, {MessageId: "2", Body: body("failed@x")}}}
	box, out := NewMailbox(0), &bytes.Buffer{}
	w := recorded(func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "2"}}}, nil
	}, box, out, time.Now)
	if _, err := w(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if items := box.Items(); len(items) != 1 || items[0].To != "ok@x" || items[0].SentAt.IsZero() {
		t.Errorf("kept %+v, want only ok@x", items)
	}
	if !strings.Contains(out.String(), "email to ok@x: S") || !strings.Contains(out.String(), "email to failed@x: S (sending failed") {
		t.Errorf("printed:\n%s", out.String())
	}

	box = NewMailbox(0)
	w = recorded(func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, errors.New("ses down")
	}, box, io.Discard, time.Now)
	w(context.Background(), batch)
	if n := len(box.Items()); n != 0 {
		t.Errorf("a failed batch kept %d emails", n)
	}
}

func TestCognitoProxy(t *testing.T) {
	var got *http.Request
	var gotBody string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, gotBody = r, string(b)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer upstream.Close()
	h, err := cognitoProxy(upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", CognitoPath, strings.NewReader(`{"AuthFlow":"USER_PASSWORD_AUTH"}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Cookie", "session=secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != `{"ok":true}` {
		t.Fatalf("proxied: %d %q", rec.Code, rec.Body.String())
	}
	if got.URL.Path != "/" || got.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.InitiateAuth" ||
		got.Header.Get("Content-Type") != "application/x-amz-json-1.1" || gotBody != `{"AuthFlow":"USER_PASSWORD_AUTH"}` {
		t.Errorf("upstream saw %s %s target=%q type=%q body=%q", got.Method, got.URL.Path,
			got.Header.Get("X-Amz-Target"), got.Header.Get("Content-Type"), gotBody)
	}
	if got.Header.Get("Cookie") != "" {
		t.Errorf("cookies reached the emulator: %q", got.Header.Get("Cookie"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", CognitoPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", rec.Code)
	}
}
