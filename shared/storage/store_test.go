package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/smithy-go"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var (
	tableShape = cursorShape{pkAttr: "pk", pk: "WS#a", skAttr: "sk", prefix: "MEMBER#"}
	indexShape = cursorShape{pkAttr: "gsi1pk", pk: "WS#a#MPS", skAttr: "gsi1sk"}
)

func cursorOf(m map[string]string) string {
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestCursorRoundTrip(t *testing.T) {
	lek := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "WS#a"}, "sk": &types.AttributeValueMemberS{Value: "MEMBER#u"},
	}
	c := encodeCursor(lek)
	got, err := decodeCursor(c, tableShape)
	if err != nil || len(got) != 2 {
		t.Fatalf("decode: %v %v", got, err)
	}
	if encodeCursor(nil) != "" {
		t.Fatal("last page has a cursor")
	}
	ix := cursorOf(map[string]string{"pk": "MP#1", "sk": "MP#1", "gsi1pk": "WS#a#MPS", "gsi1sk": "2026#mp_1"})
	if got, err := decodeCursor(ix, indexShape); err != nil || len(got) != 4 {
		t.Fatalf("index cursor: %v %v", got, err)
	}
}

// A cursor this list did not produce is a 400, whatever it holds.
func TestCursorRefusesOtherKeys(t *testing.T) {
	long := strings.Repeat("x", 1100)
	for name, tc := range map[string]struct {
		cursor string
		shape  cursorShape
	}{
		"another partition":          {cursorOf(map[string]string{"pk": "WS#b", "sk": "MEMBER#u"}), tableShape},
		"a table cursor on an index": {cursorOf(map[string]string{"pk": "WS#a", "sk": "MEMBER#u"}), indexShape},
		"an extra key attribute":     {cursorOf(map[string]string{"pk": "WS#a", "sk": "MEMBER#u", "gsi1pk": "x"}), tableShape},
		"another index's key":        {cursorOf(map[string]string{"pk": "p", "sk": "s", "gsi1pk": "WS#a#MPS", "gsi2sk": "x"}), indexShape},
		"index keys and an extra":    {cursorOf(map[string]string{"pk": "p", "sk": "s", "gsi1pk": "WS#a#MPS", "gsi1sk": "x", "gsi2pk": "y"}), indexShape},
		"a sort key of other items":  {cursorOf(map[string]string{"pk": "WS#a", "sk": "INVITEE#x"}), tableShape},
		"a sort key too long":        {cursorOf(map[string]string{"pk": "WS#a", "sk": "MEMBER#" + long}), tableShape},
		"an empty sort key":          {cursorOf(map[string]string{"pk": "p", "sk": "", "gsi1pk": "WS#a#MPS", "gsi1sk": "x"}), indexShape},
		"not JSON":                   {base64.RawURLEncoding.EncodeToString([]byte("[1]")), tableShape},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeCursor(tc.cursor, tc.shape)
			if p := httpapi.FromError(err); err == nil || p.Status != 400 {
				t.Fatalf("decoded to error %v", err)
			}
		})
	}
}

// FuzzDecodeCursor: a cursor either decodes to exactly the key DynamoDB
// accepts as the start of this query (so the list can never fail with a 5xx),
// or is refused with a 400; it never panics.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("eyJwayI6IldTI2EiLCJzayI6Ik1FTUJFUiN1In0", false)
	f.Add(cursorOf(map[string]string{"pk": "p", "sk": "s", "gsi1pk": "WS#a#MPS", "gsi2sk": "x"}), true)
	f.Add(cursorOf(map[string]string{"pk": "WS#a", "sk": "MEMBER#u", "gsi1pk": "x"}), false)
	f.Add("e30", true)
	f.Add("!!", false)
	f.Fuzz(func(t *testing.T, c string, onIndex bool) {
		shape := tableShape
		if onIndex {
			shape = indexShape
		}
		key, err := decodeCursor(c, shape)
		if err != nil {
			if p := httpapi.FromError(err); p.Status != 400 {
				t.Fatalf("cursor %q: status %d", c, p.Status)
			}
			return
		}
		if c == "" {
			return
		}
		want := shape.attrs()
		if len(key) != len(want) {
			t.Fatalf("cursor %q decoded to %v, want exactly %v", c, key, want)
		}
		for _, a := range want {
			v, ok := key[a].(*types.AttributeValueMemberS)
			if !ok || v.Value == "" || len(v.Value) > maxPartitionKeyBytes {
				t.Fatalf("cursor %q: attribute %s is %v", c, a, key[a])
			}
		}
		if v := key[shape.pkAttr].(*types.AttributeValueMemberS).Value; v != shape.pk {
			t.Fatalf("cursor %q escaped its partition: %v", c, key)
		}
		if v := key[shape.skAttr].(*types.AttributeValueMemberS).Value; !strings.HasPrefix(v, shape.prefix) || len(v) > maxSortKeyBytes {
			t.Fatalf("cursor %q: sort key %q is outside the list", c, v)
		}
	})
}

func TestDBErrClassifies(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}
	server := &smithy.GenericAPIError{Code: "InternalServerError", Fault: smithy.FaultServer}
	invalid := &smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}
	for err, unavailable := range map[error]bool{
		throttled: true, server: true, errors.New("dial tcp: connection refused"): true,
		invalid: false, context.Canceled: false,
	} {
		if got := errors.Is(dbErr(err, "op"), domain.ErrUnavailable); got != unavailable {
			t.Errorf("%v: unavailable = %v, want %v", err, got, unavailable)
		}
	}
}
