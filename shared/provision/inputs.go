package provision

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/shared/resources"
)

// The requests the local provisioning sends, built from package resources
// alone; the CDK app's tests compare the synthesized template with them.

// CreateConfigurationSetInput is the SES configuration set of c.
func CreateConfigurationSetInput(c resources.ConfigurationSetSpec) *sesv2.CreateConfigurationSetInput {
	reasons := make([]sestypes.SuppressionListReason, 0, len(c.SuppressedReasons))
	for _, r := range c.SuppressedReasons {
		reasons = append(reasons, sestypes.SuppressionListReason(r))
	}
	return &sesv2.CreateConfigurationSetInput{
		ConfigurationSetName: aws.String(c.Name),
		SuppressionOptions:   &sestypes.SuppressionOptions{SuppressedReasons: reasons},
		ReputationOptions:    &sestypes.ReputationOptions{ReputationMetricsEnabled: c.ReputationMetrics},
		SendingOptions:       &sestypes.SendingOptions{SendingEnabled: true},
	}
}

// DeadLetterAttributes are the attributes of q's dead-letter queue.
func DeadLetterAttributes(resources.QueueSpec) map[string]string {
	return map[string]string{
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(resources.DeadLetterRetention.Seconds())),
	}
}

// QueueAttributes are the attributes of q, whose dead-letter queue is dlqArn.
func QueueAttributes(q resources.QueueSpec, dlqArn string) map[string]string {
	return map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(int(q.VisibilityTimeout.Seconds())),
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(resources.QueueRetention.Seconds())),
		string(sqstypes.QueueAttributeNameRedrivePolicy): `{"deadLetterTargetArn":` + strconv.Quote(dlqArn) +
			`,"maxReceiveCount":` + strconv.Itoa(q.MaxReceiveCount) + `}`,
	}
}

// CreateUserPoolInput is the user pool of p.
func CreateUserPoolInput(p resources.UserPoolSpec) *cip.CreateUserPoolInput {
	var verify []ciptypes.VerifiedAttributeType
	for _, a := range p.VerifyBeforeUpdate {
		verify = append(verify, ciptypes.VerifiedAttributeType(a))
	}
	return &cip.CreateUserPoolInput{
		PoolName:               aws.String(p.Name),
		UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
		UsernameConfiguration:  &ciptypes.UsernameConfigurationType{CaseSensitive: aws.Bool(p.CaseSensitiveUsernames)},
		AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
		UserAttributeUpdateSettings: &ciptypes.UserAttributeUpdateSettingsType{
			AttributesRequireVerificationBeforeUpdate: verify,
		},
		MfaConfiguration:      ciptypes.UserPoolMfaType(p.MFA),
		AdminCreateUserConfig: &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		AccountRecoverySetting: &ciptypes.AccountRecoverySettingType{RecoveryMechanisms: []ciptypes.RecoveryOptionType{
			{Name: ciptypes.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)},
		}},
		Policies: &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
			MinimumLength: aws.Int32(int32(p.PasswordMinLength)), RequireLowercase: true, RequireUppercase: true,
			RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: int32(p.TemporaryPasswordDays),
		}},
	}
}

// CreateUserPoolClientInput is the console's client of p in the pool poolID.
func CreateUserPoolClientInput(p resources.UserPoolSpec, poolID string) *cip.CreateUserPoolClientInput {
	flows := make([]ciptypes.ExplicitAuthFlowsType, 0, len(p.AuthFlows))
	for _, f := range p.AuthFlows {
		flows = append(flows, ciptypes.ExplicitAuthFlowsType(f))
	}
	prevent := ciptypes.PreventUserExistenceErrorTypesLegacy
	if p.PreventUserExistenceErrors {
		prevent = ciptypes.PreventUserExistenceErrorTypesEnabled
	}
	return &cip.CreateUserPoolClientInput{
		UserPoolId:                 aws.String(poolID),
		ClientName:                 aws.String(p.ClientName),
		ExplicitAuthFlows:          flows,
		PreventUserExistenceErrors: prevent,
		EnableTokenRevocation:      aws.Bool(true),
		WriteAttributes:            p.WritableAttributes,
		AccessTokenValidity:        aws.Int32(int32(p.AccessTokenValidity.Minutes())),
		IdTokenValidity:            aws.Int32(int32(p.IDTokenValidity.Minutes())),
		RefreshTokenValidity:       int32(p.RefreshTokenValidity.Minutes()),
		TokenValidityUnits: &ciptypes.TokenValidityUnitsType{
			AccessToken: ciptypes.TimeUnitsTypeMinutes, IdToken: ciptypes.TimeUnitsTypeMinutes, RefreshToken: ciptypes.TimeUnitsTypeMinutes,
		},
	}
}
