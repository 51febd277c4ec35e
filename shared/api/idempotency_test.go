package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/api"
)

func newKey(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// An invitation's token is shown once: its idempotency record keeps no token,
// and a replay answers the invitation without it.
func TestInvitationReplayShowsNoToken(t *testing.T) {
	ws, admin := developerWorkspace(t)
	path := "/v1/workspaces/" + ws + "/invitations"
	key := newKey("invite")
	body := map[string]string{"email": uniqueEmail("invitee"), "role": "developer"}
	var first struct{ ID, Token, AcceptURL string }
	admin.must(201, "POST", path, body, "Idempotency-Key", key).decode(t, &first)
	if first.Token == "" || !strings.Contains(first.AcceptURL, first.Token) {
		t.Fatalf("first answer %+v", first)
	}
	again := admin.must(201, "POST", path, body, "Idempotency-Key", key)
	var replay map[string]any
	again.decode(t, &replay)
	if again.Header.Get("Idempotent-Replayed") != "true" || replay["id"] != first.ID || replay["token"] != nil || replay["acceptUrl"] != nil {
		t.Fatalf("replay %s (%v)", again.Body, again.Header)
	}
	// The stored record (IDEMPOTENCY#<caller>#<path>#<key>) holds no token either.
	out, err := dynamodb.NewFromConfig(env.AWS).GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &env.Config.TableName,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "IDEMPOTENCY#" + admin.userID + "#" + path + "#" + key},
			"sk": &types.AttributeValueMemberS{Value: "IDEMPOTENCY"}}})
	if err != nil || out.Item == nil {
		t.Fatalf("idempotency record: %v", err)
	}
	stored, _ := out.Item["body"].(*types.AttributeValueMemberS)
	if stored == nil || !strings.Contains(stored.Value, first.ID) || strings.Contains(stored.Value, first.Token) {
		t.Fatalf("stored replay %v", out.Item["body"])
	}
}

// Anonymous callers from different addresses never see each other's answers
// through a shared Idempotency-Key.
func TestAnonymousIdempotencyKeysAreScopedBySource(t *testing.T) {
	lots := api.Limit{Requests: 1000, Window: time.Hour}
	base := limitedGateway(t, api.Limits{Applications: lots, Resends: lots})
	run := time.Now().UnixNano() & 0xffff
	a, b := fmt.Sprintf("2001:db8:1:%x::1", run), fmt.Sprintf("2001:db8:1:%x::2", run)
	anon := anonymous(t)
	key := newKey("apply")
	body := application(uniqueEmail("scoped"))
	first := anon.from(base, a, "POST", "/v1/applications", body, "Idempotency-Key", key)
	again := anon.from(base, a, "POST", "/v1/applications", body, "Idempotency-Key", key)
	if first.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
		t.Fatalf("same source: %d %s, then %d %s", first.Status, first.Body, again.Status, again.Header)
	}
	// Other sources with the same key: their own requests, never the first one's answer.
	c := fmt.Sprintf("2001:db8:1:%x::3", run)
	same := anon.from(base, b, "POST", "/v1/applications", body, "Idempotency-Key", key)
	if same.Status != 201 || same.Header.Get("Idempotent-Replayed") != "" || string(same.Body) == string(first.Body) {
		t.Fatalf("another source, same body: %d %s %v", same.Status, same.Body, same.Header)
	}
	if r := anon.from(base, c, "POST", "/v1/applications", application(uniqueEmail("scoped")), "Idempotency-Key", key); r.Status != 201 {
		t.Fatalf("another source, another body: %d %s, want 201", r.Status, r.Body)
	}
}

// A create with an Idempotency-Key: a retry replays the first answer (the
// record was written with the entity), the same key on another body is a
// 422, and of two identical requests at once exactly one creates; the other
// replays it or is told to retry (409), never a second entity.
func TestIdempotentCreates(t *testing.T) {
	ws, admin := developerWorkspace(t)
	tenant := tenantAdmin(t)
	marker := newKey("feedback")
	feedbackCount := func() int {
		var page struct{ Items []struct{ Text string } }
		tenant.must(200, "GET", "/v1/feedback?limit=100", nil).decode(t, &page)
		n := 0
		for _, f := range page.Items {
			if strings.HasPrefix(f.Text, marker) {
				n++
			}
		}
		return n
	}
	mpCount := func() int {
		var page struct{ Items []struct{ Name string } }
		admin.must(200, "GET", "/v1/workspaces/"+ws+"/miniprograms?limit=100", nil).decode(t, &page)
		return len(page.Items)
	}
	cases := []struct {
		name  string
		path  string
		body  func(i int) map[string]any
		count func() int
	}{
		{"feedback", "/v1/feedback", func(i int) map[string]any {
			return map[string]any{"category": "bug", "text": fmt.Sprintf("%s %d", marker, i)}
		}, feedbackCount},
		{"mini program", "/v1/workspaces/" + ws + "/miniprograms", func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("Idem %d %d", seq.Add(1), i), "category": "shopping"}
		}, mpCount},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.count()
			key, body := newKey("idem"), tc.body(1)
			first := admin.must(201, "POST", tc.path, body, "Idempotency-Key", key)
			again := admin.must(201, "POST", tc.path, body, "Idempotency-Key", key)
			if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) ||
				again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Fatalf("replay %s %v, first %s %v", again.Body, again.Header, first.Body, first.Header)
			}
			admin.must(422, "POST", tc.path, tc.body(2), "Idempotency-Key", key).problem(t)
			if n := tc.count(); n != before+1 {
				t.Fatalf("%d created, want 1", n-before)
			}

			key, body = newKey("race"), tc.body(3)
			var wg sync.WaitGroup
			answers := make([]response, 4)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = admin.do("POST", tc.path, body, "Idempotency-Key", key)
				}()
			}
			wg.Wait()
			var created string
			for _, a := range answers {
				switch {
				case a.Status == 201 && created == "":
					created = string(a.Body)
				case a.Status == 201 && string(a.Body) != created:
					t.Fatalf("two answers of one key: %s and %s", created, a.Body)
				case a.Status != 201 && a.Status != 409:
					t.Fatalf("racing request: %d %s", a.Status, a.Body)
				}
			}
			if n := tc.count(); created == "" || n != before+2 {
				t.Fatalf("the race created %d (answers %v)", n-before-1, answers)
			}
		})
	}
}
