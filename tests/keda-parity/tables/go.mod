module alertsim/keda-parity/tables

go 1.23
