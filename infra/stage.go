package main

import (
	"fmt"
	"github.com/aws/constructs-go/constructs/v10"
	"regexp"

	"github.com/mpdp/platform/shared/resources"
)

const (
	// DefaultStage is the stage of `cdk synth` and `cdk deploy` without -c stage=.
	DefaultStage = "dev"
	// ProductionStage is deployed with termination protection.
	ProductionStage = "prod"
	// Service is the value of every resource's service tag.
	Service = resources.Service
	// maxStageLength keeps the longest physical name (the package bucket's,
	// mpdp-<stage>-packages-<account>-<region>) within S3's 63 characters.
	maxStageLength = 12
)

// stagePattern: lowercase letters, digits and single hyphens, starting with a
// letter and ending with a letter or digit (bucket names allow no more).
var stagePattern = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)

// CheckStage reports a stage name that cannot name the stack and its resources.
func CheckStage(stage string) error {
	if len(stage) > maxStageLength || !stagePattern.MatchString(stage) {
		return fmt.Errorf("stage %q: want 1 to %d lowercase letters, digits and single hyphens, starting with a letter "+
			"(it names the stack and every resource, e.g. -c stage=prod)", stage, maxStageLength)
	}
	return nil
}

// StageOf is the context value stage, else DefaultStage, checked.
func StageOf(scope constructs.Construct) (string, error) {
	stage := firstNonEmpty(contextString(scope, "stage"), DefaultStage)
	return stage, CheckStage(stage)
}

// StackName is the CloudFormation stack of a stage.
func StackName(stage string) string { return "Mpdp-" + stage }

// stageName is the physical name of a shared resource in a stage:
// "mpdp-launch" becomes "mpdp-<stage>-launch", so two stages can live in one
// account and region. Local provisioning keeps the plain names.
func stageName(stage, base string) string { return resources.StageName(stage, base) }
