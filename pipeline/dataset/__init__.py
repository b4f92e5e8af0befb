"""Dataset assembly: pairing, filters, O1-Pruner statistics, Sky-T1 perturbations, sharding."""
