"""Production capacity and supply chains: bottlenecks, expansion plans, risk."""
