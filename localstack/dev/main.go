// Command dev runs the whole platform locally: the emulator, the resources, the
// tenant with its first admin, the API through a local gateway, and the queue
// pollers. Ctrl-C stops all of it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/platform"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address of the local gateway (port 0 picks a free one)")
	email := flag.String("admin-email", "admin@tenant.local", "email of the tenant's first admin")
	password := flag.String("admin-password", "Admin-Passw0rd!", "password of the tenant's first admin")
	tenant := flag.String("tenant", "Super App Operator", "name of the tenant workspace")
	flag.Parse()
	if err := run(*addr, platform.Tenant{Name: *tenant, AdminEmail: *email, AdminPassword: *password}); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(addr string, tenant platform.Tenant) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	s, err := stack.Start(ctx, stack.Options{Log: log, Tenant: tenant, ConsoleURL: url})
	if err != nil {
		return err
	}
	defer s.Stop()

	var wg sync.WaitGroup
	for _, p := range s.Pollers() {
		p.Worker = printed(p.Worker)
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(ctx) }()
	}
	srv := &http.Server{Handler: s.Gateway, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	printWelcome(url, s, tenant)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "dev: stopped the gateway, the pollers and the emulator")
	return nil
}

// printed shows each email on the terminal before the mailer sends it: the
// emulator's SES accepts mail but delivers none, and new users' temporary
// passwords are in these emails.
func printed(w poller.Worker) poller.Worker {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		for _, r := range e.Records {
			var m mail.Message
			if json.Unmarshal([]byte(r.Body), &m) == nil {
				fmt.Printf("\n--- email to %s: %s\n%s---\n", m.To, m.Subject, m.Text)
			}
		}
		return w(ctx, e)
	}
}

func printWelcome(url string, s *stack.Stack, t platform.Tenant) {
	ep := s.Emulator.Endpoint()
	fmt.Printf(`
The platform is running.

  API (local gateway)   %[1]s/v1/health
  AWS emulator          %[2]s   (AWS_ENDPOINT_URL=%[2]s)
  user pool / client    %[3]s / %[4]s
  tenant admin          %[5]s  password %[6]s

Get a token (ID token, one line) and call the API:

  TOKEN=$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region %[7]s --endpoint-url %[2]s cognito-idp initiate-auth --client-id %[4]s --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=%[5]s,PASSWORD='%[6]s' --query AuthenticationResult.IdToken --output text)
  curl -s -H "Authorization: Bearer $TOKEN" %[1]s/v1/me

Emails are sent through the emulator's SES, which delivers none, so they are
printed here as they are sent (new users' temporary passwords are in them).
Ctrl-C stops everything.
`, url, ep, s.Config.UserPoolID, s.Config.ClientID, t.AdminEmail, t.AdminPassword, s.AWS.Region)
}
