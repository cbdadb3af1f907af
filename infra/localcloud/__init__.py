"""The local cloud: moto's server, our ASL on its Step Functions engine, Lambda routed
in-process."""
