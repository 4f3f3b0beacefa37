"""Real deep-inelastic-scattering data: NNPDF commondata, kinematic cuts, covariances and the
theory jobs that turn them into FK tables."""
