module alertsim/keda-parity/harness

go 1.23

require (
	github.com/go-logr/logr v1.4.2
	github.com/kedacore/keda/v2 v2.16.1
	k8s.io/api v0.31.2
	k8s.io/apimachinery v0.31.2
	k8s.io/client-go v0.31.2
	k8s.io/metrics v0.31.2
	sigs.k8s.io/controller-runtime v0.19.1
)
