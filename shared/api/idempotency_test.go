package api_test

import (
	"context"
	"fmt"
	"strings"
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
