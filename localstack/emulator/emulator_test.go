package emulator

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// start launches moto for one test, dumping the server log if the test fails.
// A missing moto fails the test: `make test` must not pass by skipping.
func start(t *testing.T) *Emulator {
	t.Helper()
	log := &syncBuffer{}
	begin := time.Now()
	e, err := Start(t.Context(), Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v (%s)", time.Since(begin).Round(time.Millisecond), e.Endpoint())
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", log)
		}
	})
	return e
}

func TestEmulator(t *testing.T) {
	ctx := t.Context()
	e := start(t)
	cfg, err := e.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}

	ddb := dynamodb.NewFromConfig(cfg)
	_, err = ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("things"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	tables, err := ddb.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if !slices.Equal(tables.TableNames, []string{"things"}) {
		t.Fatalf("ListTables = %q, want [things]", tables.TableNames)
	}

	// Three executions: with getmoto/moto#10077 unpatched, the second fails.
	client := sfn.NewFromConfig(cfg)
	runExecutions(t, client, "pass", 3)

	if err := e.Reset(ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	tables, err = ddb.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables after Reset: %v", err)
	}
	if len(tables.TableNames) != 0 {
		t.Errorf("ListTables after Reset = %q, want none", tables.TableNames)
	}
	// Only succeeds if Reset re-enabled execution of state machines.
	runExecutions(t, client, "pass", 1)

	if err := e.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	u, err := url.Parse(e.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", u.Host)
	}
}

// runExecutions creates a one-Pass-state machine, starts n executions and
// waits for all of them to succeed.
func runExecutions(t *testing.T, client *sfn.Client, name string, n int) {
	t.Helper()
	ctx := t.Context()
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(name),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/x"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	var arns []string
	for i := range n {
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: sm.StateMachineArn,
			Name:            aws.String(fmt.Sprintf("run-%d", i)),
			Input:           aws.String(`{"i":1}`),
		})
		if err != nil {
			t.Fatalf("StartExecution %d: %v", i, err)
		}
		arns = append(arns, aws.ToString(out.ExecutionArn))
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, arn := range arns {
		for {
			out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("DescribeExecution %s: %v", arn, err)
			}
			if out.Status == sfntypes.ExecutionStatusSucceeded {
				break
			}
			if out.Status != sfntypes.ExecutionStatusRunning || time.Now().After(deadline) {
				t.Fatalf("execution %s: status %s, want %s", arn, out.Status, sfntypes.ExecutionStatusSucceeded)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func TestStopTwice(t *testing.T) {
	e := start(t)
	for i := range 2 {
		if err := e.Stop(); err != nil {
			t.Fatalf("Stop #%d: %v", i+1, err)
		}
	}
}

func TestUseExisting(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://localhost:4566/")
	e, err := Start(t.Context(), Options{UseExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Endpoint(), "http://localhost:4566"; got != want {
		t.Errorf("Endpoint() = %q, want %q", got, want)
	}
	// Nothing of ours is running, so neither may touch the server.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if err := e.Reset(ctx); err != nil {
		t.Errorf("Reset: %v", err)
	}
	if err := e.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's output goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
