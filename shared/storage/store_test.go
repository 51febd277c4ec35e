package storage

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
	"github.com/mpdp/platform/shared/domain"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCursorRoundTrip(t *testing.T) {
	lek := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "WS#a"}, "sk": &types.AttributeValueMemberS{Value: "MEMBER#u"},
	}
	c := encodeCursor(lek)
	got, err := decodeCursor(c, "pk", "WS#a", false)
	if err != nil || len(got) != 2 {
		t.Fatalf("decode: %v %v", got, err)
	}
	if _, err := decodeCursor(c, "pk", "WS#b", false); err == nil {
		t.Fatal("a cursor of another partition was accepted")
	}
	if _, err := decodeCursor(c, "gsi1pk", "WS#a", true); err == nil {
		t.Fatal("a table cursor was accepted for an index")
	}
	if encodeCursor(nil) != "" {
		t.Fatal("last page has a cursor")
	}
}

// FuzzDecodeCursor: a cursor either decodes to a key of the queried partition,
// made only of key attributes, or is refused; it never panics.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("eyJwayI6IldTI2EiLCJzayI6Ik1FTUJFUiN1In0", false)
	f.Add("e30", true)
	f.Add("!!", false)
	f.Fuzz(func(t *testing.T, c string, onIndex bool) {
		pkAttr := "pk"
		if onIndex {
			pkAttr = "gsi1pk"
		}
		key, err := decodeCursor(c, pkAttr, "WS#a", onIndex)
		if err != nil || key == nil {
			return
		}
		if v, ok := key[pkAttr].(*types.AttributeValueMemberS); !ok || v.Value != "WS#a" {
			t.Fatalf("cursor %q escaped its partition: %v", c, key)
		}
		for k := range key {
			switch k {
			case "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk":
			default:
				t.Fatalf("cursor %q carries attribute %q", c, k)
			}
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
