package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/shared/mail"
)

// MailboxSize is how many emails a Mailbox keeps (the oldest go first).
const MailboxSize = 500

// Email is one email the platform sent.
type Email struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	SentAt  time.Time `json:"sentAt"`
	// TemporaryPassword is the one a welcome or invitation email holds, so a
	// script can sign the new user in (see the README's walkthrough).
	TemporaryPassword string `json:"temporaryPassword,omitempty"`
}

// temporaryPassword finds the password that shared/mail's templates put on an
// indented line after "temporary password ...:".
var temporaryPassword = regexp.MustCompile(`temporary password[^\n]*:\n\n[ \t]+(\S+)`)

// MaxMailWait bounds GET /_local/mail?wait=.
const MaxMailWait = 30 * time.Second

// Mailbox keeps the last emails the dev platform sent: the emulator's SES
// accepts mail but delivers none, and new users' temporary passwords and
// invitation links are in these emails. It serves them as
// {"items": [...]} (oldest first) at GET /_local/mail; ?to= (an address) and
// ?subject= (a part of it) filter them, and ?wait=SECONDS waits for a match.
type Mailbox struct {
	mu    sync.Mutex
	items []Email
	size  int
}

// NewMailbox keeps the last size emails (MailboxSize if size <= 0).
func NewMailbox(size int) *Mailbox {
	if size <= 0 {
		size = MailboxSize
	}
	return &Mailbox{size: size}
}

// Add records an email.
func (b *Mailbox) Add(e Email) {
	if m := temporaryPassword.FindStringSubmatch(e.Text); m != nil {
		e.TemporaryPassword = m[1]
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.items) == b.size {
		b.items = slices.Delete(b.items, 0, 1)
	}
	b.items = append(b.items, e)
}

// Items returns the recorded emails, oldest first.
func (b *Mailbox) Items() []Email {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.items)
}

func (b *Mailbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	to, subject := strings.ToLower(q.Get("to")), strings.ToLower(q.Get("subject"))
	wait, err := time.ParseDuration(q.Get("wait") + "s")
	if q.Get("wait") == "" {
		wait, err = 0, nil
	}
	if err != nil || wait < 0 || wait > MaxMailWait {
		http.Error(w, fmt.Sprintf("wait must be a number of seconds from 0 to %d", int(MaxMailWait.Seconds())), http.StatusBadRequest)
		return
	}
	match := func(e Email) bool {
		return (to == "" || strings.EqualFold(e.To, to)) && (subject == "" || strings.Contains(strings.ToLower(e.Subject), subject))
	}
	// ?wait= lets a script ask for an email the mailer has yet to send: the
	// answer comes as soon as one matches, or empty when the wait is over.
	deadline := time.Now().Add(wait)
	var items []Email
	for {
		items = slices.DeleteFunc(b.Items(), func(e Email) bool { return !match(e) })
		if len(items) > 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	if items == nil {
		items = []Email{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string][]Email{"items": items})
}

// recorded wraps the mailer: each email it sends is printed on out and kept in
// box. Emails whose sending failed are printed too (with the error), since
// that is the only place a person can still read them, but not kept: the
// queue redelivers them.
func recorded(w poller.Worker, box *Mailbox, out io.Writer, now func() time.Time) poller.Worker {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		res, err := w(ctx, e)
		failed := map[string]bool{}
		for _, f := range res.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		for _, r := range e.Records {
			var m mail.Message
			if json.Unmarshal([]byte(r.Body), &m) != nil {
				continue
			}
			if err != nil || failed[r.MessageId] {
				fmt.Fprintf(out, "\n--- email to %s: %s (sending failed, will be retried: %v)\n%s---\n", m.To, m.Subject, err, m.Text)
				continue
			}
			box.Add(Email{To: m.To, Subject: m.Subject, Text: m.Text, SentAt: now().UTC()})
			fmt.Fprintf(out, "\n--- email to %s: %s\n%s---\n", m.To, m.Subject, m.Text)
		}
		return res, err
	}
}
