"""Verdicts for entities, facilities and vehicles, built from determinations.

Every verdict class (`subject.SubjectVerdict` for entities and facilities, `vehicle.VehicleVerdict` for
the §30D credit, `facility45x.Facility45XVerdict` for the §45X credit) satisfies the protocol
`feoc.verdicts.status.Verdict`: `kind`, `subject`, `name`, `on`, `status` (a `feoc.verdicts.status.Status`),
`exit_code()` and `as_dict()`. Callers that handle any verdict (the CLI, the renderers) take `Verdict`.
"""
