package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/mail"
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

// TestMailboxFindsTemporaryPasswords: the password in shared/mail's welcome
// and invitation emails is served as temporaryPassword (the README's
// walkthrough reads it from there), and other emails have none.
func TestMailboxFindsTemporaryPasswords(t *testing.T) {
	const pw = "aB3!x-Y7=k?9Q_m@"
	box := NewMailbox(0)
	for _, m := range []mail.Message{
		mail.ApplicationApproved("ann@acme.test", "Acme", "http://console/", pw),
		mail.Invitation("bo@acme.test", "Acme", "developer", "http://console/invitations/inv_1?token=t", "t", pw, 3),
		mail.ApplicationApproved("cy@acme.test", "Acme", "http://console/", ""),
		mail.ApplicationReceived("ann@acme.test", "Acme", "apv_1"),
	} {
		box.Add(Email{To: m.To, Subject: m.Subject, Text: m.Text})
	}
	var got []string
	for _, e := range box.Items() {
		got = append(got, e.TemporaryPassword)
	}
	if want := []string{pw, pw, "", ""}; !slices.Equal(got, want) {
		t.Errorf("temporary passwords %q, want %q", got, want)
	}
}

// TestMailboxFiltersAndWaits: ?to= and ?subject= filter; ?wait= answers as
// soon as a matching email is sent, or empty when the wait is over.
func TestMailboxFiltersAndWaits(t *testing.T) {
	box := NewMailbox(0)
	box.Add(Email{To: "ann@acme.test", Subject: "We received your application"})
	box.Add(Email{To: "bo@acme.test", Subject: "Invitation to Acme"})
	get := func(query string) (int, []Email) {
		rec := httptest.NewRecorder()
		box.ServeHTTP(rec, httptest.NewRequest("GET", MailPath+query, nil))
		var body struct{ Items []Email }
		json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body.Items
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"ann@acme.test", "bo@acme.test"}},
		{"?to=ANN@acme.test", []string{"ann@acme.test"}},
		{"?subject=invitation", []string{"bo@acme.test"}},
		{"?to=ann@acme.test&subject=invitation", nil},
		{"?to=cy@acme.test&wait=0.2", nil},
	} {
		code, items := get(c.query)
		var to []string
		for _, e := range items {
			to = append(to, e.To)
		}
		if code != 200 || !slices.Equal(to, c.want) {
			t.Errorf("%q: %d %v, want %v", c.query, code, to, c.want)
		}
	}
	for _, q := range []string{"?wait=x", "?wait=-1", "?wait=31"} {
		if code, _ := get(q); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		box.Add(Email{To: "ann@acme.test", Subject: "Your developer workspace is ready"})
	}()
	start := time.Now()
	_, items := get("?to=ann@acme.test&subject=workspace%20is%20ready&wait=10")
	if len(items) != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("waiting for the welcome email: %v after %s", items, time.Since(start))
	}
}
