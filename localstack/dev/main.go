// Command dev runs the whole platform locally: the emulator, the resources, the
// tenant with its first admin, the API and the web console on one origin through
// a local gateway, the queue pollers and a mailbox of the emails sent. Ctrl-C
// stops all of it. The work is in localstack/devstack, which the browser tests
// start in-process.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mpdp/platform/localstack/devstack"
	"github.com/mpdp/platform/shared/platform"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address of the local gateway (port 0 picks a free one)")
	email := flag.String("admin-email", "admin@tenant.local", "email of the tenant's first admin")
	password := flag.String("admin-password", "Admin-Passw0rd!", "password of the tenant's first admin")
	tenant := flag.String("tenant", "Super App Operator", "name of the tenant workspace")
	console := flag.String("console", "console/dist", "the built web console to serve (make console builds it)")
	flag.Parse()
	opts := devstack.Options{Addr: *addr, ConsoleDir: *console, Out: os.Stdout,
		Tenant: platform.Tenant{Name: *tenant, AdminEmail: *email, AdminPassword: *password},
		Log:    slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(opts devstack.Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := devstack.Start(ctx, opts)
	if err != nil {
		return err
	}
	var failed error
	select {
	case <-ctx.Done():
	case failed = <-p.Failed():
	}
	if err := p.Stop(); err != nil && failed == nil {
		failed = err
	}
	if failed != nil {
		return failed
	}
	fmt.Fprintln(os.Stderr, "dev: stopped the gateway, the pollers and the emulator")
	return nil
}
