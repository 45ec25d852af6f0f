// Command parity compares KEDA v2.17.0's ScaledJob decision with alertsim's
// (see ../harness). This release's executor takes no options and records
// events with client-go's record.EventRecorder.
package main

import (
	"context"

	"alertsim/keda-parity/harness"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scaling/executor"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
)

func main() {
	harness.Main("v2.17.0", func(ctx context.Context, cluster *harness.Cluster, scheme *runtime.Scheme,
		sj *kedav1alpha1.ScaledJob, isActive, isError bool, scaleTo, maxScale int64) {
		e := executor.NewScaleExecutor(cluster, nil, scheme, &record.FakeRecorder{})
		e.RequestJobScale(ctx, sj, isActive, isError, scaleTo, maxScale)
	})
}
