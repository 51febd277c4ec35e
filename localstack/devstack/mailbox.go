package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
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
}

// Mailbox keeps the last emails the dev platform sent: the emulator's SES
// accepts mail but delivers none, and new users' temporary passwords and
// invitation links are in these emails. It serves them as
// {"items": [...]} (oldest first) at GET /_local/mail.
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
	items := b.Items()
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
