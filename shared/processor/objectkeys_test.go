package processor_test

import (
	"slices"
	"testing"

	"github.com/mpdp/platform/shared/processor"
)

// ObjectKeys reads S3 notifications as moto sends them: eventTime without a
// zone (which events.S3Event cannot parse) and the key URL-encoded. The bench
// finds its uploads' events with it too.
func TestObjectKeys(t *testing.T) {
	moto := `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
		"eventTime":"2026-12-04T16:00:00.123456","eventName":"ObjectCreated:Put",
		"s3":{"s3SchemaVersion":"1.0","bucket":{"name":"b","arn":"arn:aws:s3:::b"},
		"object":{"key":"incoming%2Fws_1%2Fmp_2%2F1.0.0%2Bbuild%2Fver_3.zip","size":10,"eTag":"x"}}}]}`
	for _, tc := range []struct {
		name, body string
		want       []string
		err        bool
	}{
		{"moto's notification", moto, []string{"incoming/ws_1/mp_2/1.0.0+build/ver_3.zip"}, false},
		{"a key that does not decode", `{"Records":[{"s3":{"object":{"key":"a%zz"}}}]}`, []string{"a%zz"}, false},
		{"S3's test event", `{"Service":"Amazon S3","Event":"s3:TestEvent"}`, []string{}, false},
		{"not JSON", `not json`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := processor.ObjectKeys(tc.body)
			if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
				t.Fatalf("ObjectKeys = %q, %v; want %q (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}
