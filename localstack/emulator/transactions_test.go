package emulator

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The launcher replaces moto's whole-table backup of a transaction with a
// journal of the items it names. A cancelled transaction must still leave
// every item as it was, and a successful one apply all of its writes.
func TestTransactionsAreAtomic(t *testing.T) {
	ctx := t.Context()
	e := start(t)
	cfg, err := e.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	_, err = ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("t"),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	key := func(pk, sk string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{"pk": s(pk), "sk": s(sk)}
	}
	put := func(pk, sk, v string) {
		item := key(pk, sk)
		item["v"] = s(v)
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(pk, sk string) string {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			return "<absent>"
		}
		return out.Item["v"].(*ddbtypes.AttributeValueMemberS).Value
	}
	put("A", "1", "old-a")
	put("C", "1", "old-c")
	put("D", "1", "old-d")

	newItem := key("B", "1")
	newItem["v"] = s("new-b")
	writes := func(lastCondition string) []ddbtypes.TransactWriteItem {
		return []ddbtypes.TransactWriteItem{
			{Put: &ddbtypes.Put{TableName: aws.String("t"), Item: newItem}},
			{Update: &ddbtypes.Update{TableName: aws.String("t"), Key: key("A", "1"), UpdateExpression: aws.String("SET v = :v"),
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("new-a")}}},
			{Delete: &ddbtypes.Delete{TableName: aws.String("t"), Key: key("C", "1")}},
			{ConditionCheck: &ddbtypes.ConditionCheck{TableName: aws.String("t"), Key: key("D", "1"), ConditionExpression: aws.String(lastCondition)}},
		}
	}

	// The last condition fails after the first three writes were applied in moto.
	_, err = ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes("attribute_not_exists(pk)")})
	var cancelled *ddbtypes.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Fatalf("TransactWriteItems = %v, want TransactionCanceledException", err)
	}
	for _, c := range []struct{ pk, want string }{{"A", "old-a"}, {"B", "<absent>"}, {"C", "old-c"}, {"D", "old-d"}} {
		if got := get(c.pk, "1"); got != c.want {
			t.Errorf("after a cancelled transaction %s = %s, want %s", c.pk, got, c.want)
		}
	}

	if _, err := ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes("attribute_exists(pk)")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pk, want string }{{"A", "new-a"}, {"B", "new-b"}, {"C", "<absent>"}, {"D", "old-d"}} {
		if got := get(c.pk, "1"); got != c.want {
			t.Errorf("after a transaction %s = %s, want %s", c.pk, got, c.want)
		}
	}
}
