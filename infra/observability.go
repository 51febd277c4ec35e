package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpdp/platform/shared/resources"
)

// Thresholds of the alarms; infra/README.md's runbook says what each means
// and what to do first.
const (
	alarmPeriod = 5 * time.Minute
	// API Gateway: answers 5xx (Lambda errors, timeouts, throttles) in a period.
	api5xxThreshold = 5
	// API Gateway: p99 latency (ms) above this for three periods in a row.
	apiLatencyP99Ms = 3000
	// A queue's oldest message waited longer than this: its worker is stuck or failing.
	queueAgeThreshold = 15 * time.Minute
	// SES reviews an account at a 5% bounce rate and 0.1% complaint rate; alarm at half.
	sesBounceRate    = 0.025
	sesComplaintRate = 0.0005
	sesPeriod        = time.Hour
)

// Observability is what ops watch: the alarms (each with alarm and OK actions
// to AlarmTopic) and one dashboard.
type Observability struct {
	// alarmNames are the names of every alarm of the stack, for the alarm
	// topic's and key's policies (allowAlarms).
	alarmNames []string
	// MonitoringAlarms are the alarms of observability.go, by name.
	MonitoringAlarms map[string]awscloudwatch.Alarm
	Dashboard        awscloudwatch.Dashboard
}

// alarm creates an alarm named <stack>-<suffix> that notifies AlarmTopic when
// it fires and when it is OK again.
func (s *PlatformStack) alarm(id, suffix, description string, props *awscloudwatch.AlarmProps) awscloudwatch.Alarm {
	name := fmt.Sprintf("%s-%s", *s.Stack.StackName(), suffix)
	props.AlarmName = jsii.String(name)
	props.AlarmDescription = jsii.String(description)
	if props.EvaluationPeriods == nil {
		props.EvaluationPeriods = jsii.Number(1)
	}
	if props.ComparisonOperator == "" {
		props.ComparisonOperator = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	}
	if props.TreatMissingData == "" {
		props.TreatMissingData = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	a := awscloudwatch.NewAlarm(s.Stack, jsii.String(id), props)
	action := awscloudwatchactions.NewSnsAction(s.AlarmTopic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	s.alarmNames = append(s.alarmNames, name)
	return a
}

func period(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

// addObservability adds the alarms on the functions, the API, the queues, the
// table and the mail, and the dashboard. It comes after everything it watches.
func (s *PlatformStack) addObservability() {
	if s.MonitoringAlarms == nil {
		s.MonitoringAlarms = map[string]awscloudwatch.Alarm{}
	}
	add := func(id, suffix, description string, props *awscloudwatch.AlarmProps) {
		s.MonitoringAlarms[suffix] = s.alarm(id, suffix, description, props)
	}
	sum := &awscloudwatch.MetricOptions{Period: period(alarmPeriod), Statistic: jsii.String("Sum")}

	var errorMetrics, throttleMetrics []awscloudwatch.IMetric
	for _, fn := range resources.Functions {
		f := s.Functions[fn.Name]
		id := constructID(fn.Name)
		errs, throttles := f.MetricErrors(sum), f.MetricThrottles(sum)
		// Labelled for the dashboard only: an alarm on a labelled metric renders as a metric math query.
		label := &awscloudwatch.MetricOptions{Label: jsii.String(fn.Name)}
		errorMetrics, throttleMetrics = append(errorMetrics, errs.With(label)), append(throttleMetrics, throttles.With(label))
		add(id+"ErrorsAlarm", fn.Name+"-errors",
			fmt.Sprintf("The %s function failed (crash, timeout or unhandled error) in the last 5 minutes: read its log group's ERROR lines.", fn.Name),
			&awscloudwatch.AlarmProps{Metric: errs, Threshold: jsii.Number(1)})
		add(id+"ThrottlesAlarm", fn.Name+"-throttles",
			fmt.Sprintf("Lambda throttled the %s function in the last 5 minutes: the account's concurrency is exhausted.", fn.Name),
			&awscloudwatch.AlarmProps{Metric: throttles, Threshold: jsii.Number(1)})
	}

	api5xx := s.API.MetricServerError(sum)
	add("Api5xxAlarm", "api-5xx", fmt.Sprintf("The API answered 5xx at least %d times in 5 minutes: see the access log's integrationError.", api5xxThreshold),
		&awscloudwatch.AlarmProps{Metric: api5xx, Threshold: jsii.Number(api5xxThreshold)})
	latency := s.API.MetricLatency(&awscloudwatch.MetricOptions{Period: period(alarmPeriod), Statistic: jsii.String("p99")})
	add("ApiLatencyAlarm", "api-latency-p99", fmt.Sprintf("The API's p99 latency was over %d ms for 15 minutes.", apiLatencyP99Ms),
		&awscloudwatch.AlarmProps{Metric: latency, Threshold: jsii.Number(apiLatencyP99Ms), EvaluationPeriods: jsii.Number(3),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD})

	var ageMetrics []awscloudwatch.IMetric
	for _, q := range resources.Queues {
		age := s.Queues[q.Name].MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{
			Period: period(alarmPeriod), Statistic: jsii.String("Maximum")})
		ageMetrics = append(ageMetrics, age.With(&awscloudwatch.MetricOptions{Label: jsii.String(q.Name)}))
		add(constructID(q.Name)+"AgeAlarm", q.Name+"-oldest-message",
			fmt.Sprintf("A message has waited in %s for over %s: its worker is failing, throttled or stuck.", q.Name, queueAgeThreshold),
			&awscloudwatch.AlarmProps{Metric: age, Threshold: jsii.Number(queueAgeThreshold.Seconds()),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD})
	}

	tableMetric := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"TableName": s.Table.TableName()},
			Period:        period(alarmPeriod), Statistic: jsii.String("Sum"),
		})
	}
	throttled := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("reads + writes"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"reads": tableMetric("ReadThrottleEvents"), "writes": tableMetric("WriteThrottleEvents")},
		Label:        jsii.String("Throttled reads and writes"),
		Period:       period(alarmPeriod),
	})
	add("TableThrottlesAlarm", "table-throttles", "DynamoDB throttled reads or writes of the table in the last 5 minutes.",
		&awscloudwatch.AlarmProps{Metric: throttled, Threshold: jsii.Number(1)})

	sesMetric := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"ses:configuration-set": jsii.String(s.ConfigurationSetName)},
			Period:        period(sesPeriod), Statistic: jsii.String("Maximum"),
		})
	}
	bounce, complaint := sesMetric("Reputation.BounceRate"), sesMetric("Reputation.ComplaintRate")
	add("MailBounceRateAlarm", "mail-bounce-rate",
		fmt.Sprintf("SES bounce rate of %s over %.1f%% (SES reviews the account at 5%%).", s.ConfigurationSetName, sesBounceRate*100),
		&awscloudwatch.AlarmProps{Metric: bounce, Threshold: jsii.Number(sesBounceRate)})
	add("MailComplaintRateAlarm", "mail-complaint-rate",
		fmt.Sprintf("SES complaint rate of %s over %.2f%% (SES reviews the account at 0.1%%).", s.ConfigurationSetName, sesComplaintRate*100),
		&awscloudwatch.AlarmProps{Metric: complaint, Threshold: jsii.Number(sesComplaintRate)})

	graph := func(title string, metrics []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12)})
	}
	s.Dashboard = awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: s.Stack.StackName(),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("API requests and errors", []awscloudwatch.IMetric{s.API.MetricCount(sum), s.API.MetricClientError(sum), api5xx}),
				graph("API latency p99 (ms)", []awscloudwatch.IMetric{latency})},
			{graph("Function errors", errorMetrics), graph("Function throttles", throttleMetrics)},
			{graph("Oldest message age (s)", ageMetrics), graph("Table throttles", []awscloudwatch.IMetric{throttled})},
			{graph("Mail bounce and complaint rates", []awscloudwatch.IMetric{bounce, complaint}),
				graph("Launch workflow", []awscloudwatch.IMetric{s.StateMachine.MetricStarted(sum), s.StateMachine.MetricFailed(sum), s.StateMachine.MetricTimedOut(sum)})},
		},
	})
}

// allowAlarms lets CloudWatch publish to the alarm topic and use its key for
// this stack's alarms only (by name), in this account. It comes after every alarm.
func (s *PlatformStack) allowAlarms() {
	arns := make([]*string, 0, len(s.alarmNames))
	for _, name := range s.alarmNames {
		arns = append(arns, s.alarmArn(name))
	}
	fromAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": s.Stack.Account()},
		"ArnLike":      map[string]any{"aws:SourceArn": arns},
	}
	cloudwatch := &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)}
	s.AlarmKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AlarmsPublishToTopic"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: cloudwatch,
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: fromAlarms,
	}), nil)
	s.AlarmTopic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AlarmsPublish"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: cloudwatch,
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*s.AlarmTopic.TopicArn()),
		Conditions: fromAlarms,
	}))
}
