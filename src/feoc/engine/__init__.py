"""Rule evaluators behind one protocol: durable-rules (of record), the reference, the columnar one."""
