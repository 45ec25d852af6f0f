package harness

// This file: the comparison. Each state goes through KEDA's
// `scaledjob.CalculateQueueLengthAndMaxValue` and `IsScaledJobActive` (the
// scale handler's ScaledJob path) and then the release's executor
// `RequestJobScale` against a Cluster; the Jobs it creates, or its panic,
// are compared with alertsim's answer for the same line.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"

	"github.com/go-logr/logr"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scaling/scaledjob"
	v2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/metrics/pkg/apis/external_metrics"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// RequestJobScale calls the release's executor: `RequestJobScale` on an
// executor built over cluster and scheme, with the scale handler's
// results. Its signature differs between releases, so each release's
// main package supplies it.
type RequestJobScale func(ctx context.Context, cluster *Cluster, scheme *runtime.Scheme,
	sj *kedav1alpha1.ScaledJob, isActive, isError bool, scaleTo, maxScale int64)

// metricName is a trigger's metric name after its "s<index>-" prefix.
const metricName = "redis-streams-instrument-lsstcam"

// ScaledJob is the state's ScaledJob spec.
func ScaledJob(s State) *kedav1alpha1.ScaledJob {
	sj := &kedav1alpha1.ScaledJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "keda.sh/v1alpha1", Kind: "ScaledJob"},
		ObjectMeta: metav1.ObjectMeta{Name: ScaledJobName, Namespace: Namespace, UID: "uid", Generation: 1},
	}
	sj.Spec.JobTargetRef = &batchv1.JobSpec{}
	min, max := s.MinReplicas, s.MaxReplicas
	sj.Spec.MinReplicaCount, sj.Spec.MaxReplicaCount = &min, &max
	sj.Spec.ScalingStrategy.Strategy = s.Strategy
	sj.Spec.ScalingStrategy.MultipleScalersCalculation = s.Calculation
	sj.Spec.ScalingStrategy.CustomScalingQueueLengthDeduction = s.CustomDeduction
	if s.CustomRunningPercentage != nil {
		sj.Spec.ScalingStrategy.CustomScalingRunningJobPercentage =
			strconv.FormatFloat(*s.CustomRunningPercentage, 'g', -1, 64)
	}
	return sj
}

// Keda is what the release does with the state: the Jobs it creates, or
// that its scale loop panics.
type Keda struct {
	Create   int
	Panicked bool
}

// Decide runs the release's code on one state.
func Decide(s State, request RequestJobScale, scheme *runtime.Scheme) (out Keda) {
	sj := ScaledJob(s)
	// Each trigger: the redis-streams scaler's metric spec (target
	// lagCount) and metric (the count in milli-units, as
	// GenerateMetricInMili makes it), through the scale handler's
	// per-scaler calculation; its activity is `metricCount >
	// activationLagCount`.
	var scalers []scaledjob.ScalerMetrics
	for i, t := range s.Triggers() {
		name := fmt.Sprintf("s%d-%s", i, metricName)
		target := v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: resource.NewQuantity(t.Target, resource.DecimalSI)}
		specs := []v2.MetricSpec{{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
			Metric: v2.MetricIdentifier{Name: name}, Target: target}}}
		metrics := []external_metrics.ExternalMetricValue{{MetricName: name,
			Value: *resource.NewMilliQuantity(t.QueueLength*1000, resource.DecimalSI)}}
		queueLength, maxValue, _ := scaledjob.CalculateQueueLengthAndMaxValue(metrics, specs, sj.MaxReplicaCount())
		scalers = append(scalers, scaledjob.ScalerMetrics{QueueLength: queueLength, MaxValue: maxValue,
			IsActive: t.QueueLength > t.Activation})
	}
	isActive, scaleTo, maxScale, _ := scaledjob.IsScaledJobActive(scalers,
		sj.Spec.ScalingStrategy.MultipleScalersCalculation, sj.MinReplicaCount(), sj.MaxReplicaCount())
	cluster := NewCluster(s)
	defer func() {
		if r := recover(); r != nil {
			out = Keda{Create: cluster.Created, Panicked: true}
		}
	}()
	request(context.Background(), cluster, scheme, sj, isActive, false, scaleTo, maxScale)
	return Keda{Create: cluster.Created}
}

// Scheme knows the ScaledJob (the executor makes it each Job's owner).
func Scheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := kedav1alpha1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return scheme
}

type answer struct {
	Create int             `json:"create"`
	Branch json.RawMessage `json:"branch"`
}

func (a answer) panics() bool { return string(a.Branch) == `"keda_panics"` }

// Main generates the states, runs alertsim on them and compares; it exits
// 1 on any disagreement and prints "N passed, M failed (K states with
// several triggers)".
func Main(tag string, request RequestJobScale) {
	alertsim := flag.String("alertsim", "", "path of the alertsim binary")
	release := flag.String("keda-version", "", "the release name alertsim takes (e.g. 2.16)")
	count := flag.Int("states", 5000, "random states to compare")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	if *alertsim == "" || *release == "" {
		fmt.Fprintln(os.Stderr, "usage: -alertsim PATH -keda-version NAME [-states N] [-seed S]")
		os.Exit(2)
	}
	logf.SetLogger(logr.Discard())
	rng := rand.New(rand.NewSource(*seed))
	states := make([]State, *count)
	var input bytes.Buffer
	for i := range states {
		states[i] = Random(rng)
		line, err := json.Marshal(states[i])
		if err != nil {
			panic(err)
		}
		input.Write(append(line, '\n'))
	}
	cmd := exec.Command(*alertsim, "keda", "decide", "--batch", "--explain", "--keda-version", *release)
	cmd.Stdin = &input
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "alertsim keda decide --batch: %v\n", err)
		os.Exit(1)
	}
	scanner := bufio.NewScanner(bytes.NewReader(output))
	scheme := Scheme()
	passed, failed := 0, 0
	for i, s := range states {
		var got answer
		if !scanner.Scan() {
			fmt.Fprintf(os.Stderr, "alertsim answered %d lines for %d states\n", i, len(states))
			os.Exit(1)
		}
		if err := json.Unmarshal(scanner.Bytes(), &got); err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v: %s\n", i+1, err, scanner.Text())
			os.Exit(1)
		}
		want := Decide(s, request, scheme)
		if got.Create == want.Create && got.panics() == want.Panicked {
			passed++
			continue
		}
		failed++
		if failed <= 10 {
			line, _ := json.Marshal(s)
			fmt.Fprintf(os.Stderr, "KEDA %s (%s) disagrees on line %d (finished Jobs %d): %s\n  KEDA: create %d, panics %v; alertsim: %s\n",
				tag, *release, i+1, s.Finished, line, want.Create, want.Panicked, scanner.Text())
		}
	}
	several := 0
	for _, s := range states {
		if len(s.More) > 0 {
			several++
		}
	}
	fmt.Printf("keda-parity %s: %d passed, %d failed (%d states with several triggers)\n", tag, passed, failed, several)
	if failed > 0 {
		os.Exit(1)
	}
}
