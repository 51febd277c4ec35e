// Command mpdp is the developer CLI of the mini program development platform:
// it signs in with Cognito, validates and uploads mini program packages, and
// reports on their versions. It works the same in a terminal and in CI.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := execute(ctx, newDeps(os.Stdin, os.Stdout, os.Stderr), os.Args[1:])
	stop()
	os.Exit(code)
}
