// Command parity compares KEDA v2.20.2's ScaledJob decision with alertsim's
// (see ../harness). This release's executor takes its options by value,
// returns the status to write, and records events with client-go's
// events.EventRecorder.
package main

import (
	"context"

	"alertsim/keda-parity/harness"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scaling/executor"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
)

func main() {
	harness.Main("v2.20.2", func(ctx context.Context, cluster *harness.Cluster, scheme *runtime.Scheme,
		sj *kedav1alpha1.ScaledJob, isActive, isError bool, scaleTo, maxScale int64) {
		e := executor.NewScaleExecutor(cluster, nil, scheme, &events.FakeRecorder{})
		e.RequestJobScale(ctx, sj, isActive, isError, scaleTo, maxScale, executor.ScaleExecutorOptions{})
	})
}
