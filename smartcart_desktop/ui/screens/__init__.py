"""The four screens of a checkout. Each shows a FlowState and emits what the customer asked for."""
