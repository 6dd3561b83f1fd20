"""``ldmstop.learned`` — early stopping with learned scores on real data (``ldmstop learned``).

Wu et al. (2025), Figure 1 and appendix D.1, at CPU scale: score networks trained by denoising
score matching in PCA and MLP-autoencoder latent spaces of real images (and in pixel space),
sampled with K steps, decoded and measured against held-out data at every step, with the
Gaussian theory's prediction beside each measurement. Needs the ``[learned]`` extra (JAX,
optax, scikit-learn); nothing here imports JAX until a run starts. Method: docs/learned.md.

Python API::

    from ldmstop.learned import data, experiment, report
    split = data.digits_split()                      # or data.npy_split("X.npy")
    res = experiment.run_experiment(split, experiment.Settings.quick_settings())
    print(report.format_summary(res))
"""
