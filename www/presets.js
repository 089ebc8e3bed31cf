// Presets: a named set of parameters, the view to open, and two or three sentences saying what to look at.
// Parameters not listed keep their defaults (www/params.js). Commentary is plain text (it is set with textContent).

export const PRESETS = {
  'biroli-speciation': {
    title: 'Biroli: speciation at t_S = ½ ln d (d = 256)',
    view: 'speciation',
    params: { d: 256, model: 'two_class', sigma: 1, mt: 1, n: 20000 },
    commentary: 'Two classes ±μ with |μ|² = d and unit within-class variance, Biroli\'s process (U = I, Q = 0). ' +
      'The class signal s(t) = m_tᵀΓ_t⁻¹m_t falls through 1 at t_S = ½ ln 256 = 2.7726, where the cloning probability ' +
      'crosses F(1) = 0.7752: read left to right (generation runs from T on the left to 0), this is when generated ' +
      'trajectories commit to a class.',
  },
  'biroli-collapse': {
    title: 'Biroli: collapse at the closed-form t_C (d = 256, n = 20000)',
    view: 'collapse',
    // The measurements at n = 20000, d = 256 cost n·d per sample and step: fewer samples keep a Run at seconds.
    params: { d: 256, model: 'two_class', sigma: 1, mt: 0, n: 20000, mpart: 200, mtraj: 8 },
    commentary: 'Collapse depends on the total covariance of the data, so Biroli\'s closed form ' +
      't_C = ½ ln(1 + σ²/(n^(2/d) − 1)) = 1.2988 is reached with m̃ = 0 (one Gaussian N(0, I)); with m̃ = 1 the ' +
      'mixture\'s extra eigenvalue 1 + d raises t_C to 1.374 (collapse sets in earlier in generation). Below t_C the formula f = α − I_t/d turns negative and the ' +
      'excess entropy of the n points themselves is 0 (what Run\'s entropy estimator measures): an ideal network ' +
      'trained on these n points only reproduces them.',
  },
  'biroli-trajectories': {
    title: 'Biroli: generation through the three regimes (d = 64)',
    view: 'trajectories',
    params: { d: 64, model: 'two_class', sigma: 1, mt: 1, n: 2000, T: 6, steps: 300, particles: 80, integrator: 'exponential' },
    commentary: 'Trajectories start as noise at T = 6 and split into the two classes around t_S = ½ ln 64 ≈ 2.08 ' +
      '(the green line); the exact score keeps them generalizing below t_C, where an ideal network trained on n = 2000 ' +
      'points would collapse onto them. Play the cursor to follow the split.',
  },
  'qopt-fast': {
    title: 'Q_opt moves speciation earlier (μ along a fast direction)',
    view: 'transitions',
    params: { d: 16, U: 'log_spaced', kappa: 100, drift: 'optimal', model: 'two_class', dir: 'fastest', mt: 1, sigma: 1,
      n: 1000, sweep: 'gamma', sfrom: 0, sto: 2, spoints: 24 },
    commentary: 'With μ along the fastest eigenvector of U, the class signal dies at rate u_max without Q; Q = γ·Q_opt ' +
      'mixes it with slow directions, so it survives longer: t_S jumps from 0.25 (γ = 0) to a peak of ≈ 3.6 near ' +
      'γ ≈ 0.15 and settles near 1.3 at γ = 1, five times its reversible value — classes appear earlier in generation. ' +
      't_C barely moves (0.24 to 0.29).',
  },
  'qopt-slow': {
    title: 'The same Q moves speciation later (μ along a slow direction)',
    view: 'transitions',
    params: { d: 16, U: 'log_spaced', kappa: 100, drift: 'optimal', model: 'two_class', dir: 'slowest', mt: 1, sigma: 1,
      n: 1000, sweep: 'gamma', sfrom: 0, sto: 2, spoints: 24 },
    commentary: 'Now μ lies along the slowest eigenvector: without Q it decays at the slow rate u_min, and Q_opt pushes ' +
      'every eigenvalue of A to Re λ = τ = Tr U / d, so the signal decays faster and t_S falls with γ. The same drift ' +
      'that speeds up relaxation makes classes appear later.',
  },
  'collapse-q-flat': {
    title: 'Collapse barely moves with Q (d = 64, κ = 10)',
    view: 'transitions',
    params: { d: 64, U: 'log_spaced', kappa: 10, drift: 'optimal', model: 'two_class', dir: 'ones', mt: 0, sigma: 1,
      n: 20000, sweep: 'gamma', sfrom: 0, sto: 3, spoints: 24 },
    commentary: 'At high signal-to-noise ln det(I + SNR) ≈ ln det C − 2t Tr U − ln det Σ_t: the first two terms ignore Q ' +
      'and ln det Σ_t feels it only at second order in t. So t_C (pink) is nearly flat in γ while the spectral gap ' +
      'changes a lot.',
  },
  'collapse-q-moves': {
    title: 'A case where Q moves collapse (d = 4, κ = 1000, large ‖Q‖)',
    view: 'transitions',
    params: { d: 4, U: 'log_spaced', kappa: 1000, drift: 'optimal', model: 'two_class', dir: 'ones', mt: 0, sigma: 1,
      n: 50, sweep: 'gamma', sfrom: 0, sto: 20, spoints: 32 },
    commentary: 'The Q-invariance of t_C is a statement about small ‖Q‖·t. In d = 4 with κ = 1000 and n = 50, the drift ' +
      'γ·Q_opt is stiff (‖A‖ grows like γ): already at γ ≈ 2 it reshapes the noise covariance Σ_t within the collapse ' +
      'window, and t_C falls from about 0.05 to a third of that. (These are formal values of the large-d ' +
      'criterion: in d = 4 they show how t_C depends on Q, not a collapse time one could measure.)',
  },
  'manifold-beta': {
    title: 'Manifold data: t_C against β (GVM, d = 64)',
    view: 'transitions',
    params: { d: 64, model: 'manifold', beta: 0.5, phi: 'identity', embedding: 'orthonormal', mt: 1, n: 5000,
      sweep: 'beta', sfrom: 0.1, sto: 1, spoints: 19 },
    commentary: 'Data on a p = βd dimensional linear manifold: GVM\'s closed form t_C = ½ ln(1 + 1/(e^(2α/β) − 1)) ' +
      '(crosses) against the matrix theory with the data\'s total covariance (pink line). The pink line sits above the ' +
      'crosses (by 0.06 at β = 0.5, 0.07 at β = 1): the class means add one large eigenvalue to the covariance, an ' +
      'O(1/d) correction that GVM\'s large-d formula leaves out; set m̃ = 0 and the two coincide (up to the rounding of p = βd, under 0.01). A ' +
      'thinner manifold (small β) has a smaller t_C, so it collapses later in generation: n points cover a ' +
      'lower-dimensional manifold better, and generation keeps generalizing down to smaller t.',
  },
  'memorization-2d': {
    title: 'Memorization you can see (d = 2, n = 40, empirical score)',
    view: 'particles',
    params: { d: 2, model: 'two_class', sigma: 0.6, mt: 1, n: 40, score: 'empirical', grid: 'refined', tmin: 0.001,
      T: 4, steps: 400, particles: 300, integrator: 'exponential', axes: 'coordinates', cx: 1, cy: 2 },
    commentary: 'The empirical score of 40 points in the plane is the score an ideal network would learn, and it ' +
      'memorizes: play the cursor from T to 0 and watch the cloud shrink onto the crosses; at the end most particles (about ' +
      'three in four here) sit on a training point, ringed and linked to it (the view\'s test d₁/d₂ < 1/3); the ' +
      'others are not yet clearly nearer one point than the next at t_min = 0.001, where the noise is ≈ 0.045. In d = 2 the asymptotic t_C means nothing: collapse is measured here.',
  },
  'forward-biroli': {
    title: 'Noise erases the classes (Biroli, d = 64)',
    view: 'forward',
    params: { d: 64, sigma: 1, mt: 1, T: 4, particles: 80 },
    commentary: 'Two classes ±μ with |μ|² = d travel towards the origin as e^(−t)μ while the noise grows to 1. ' +
      'The ±2 s.d. bands start to overlap at t = ln(m̃√d / 2) ≈ 1.39; at Biroli\'s speciation time ½ ln d ≈ 2.08 the ' +
      'class means are only one noise s.d. from the origin (s(t) = 1): read backwards, this is when a generated ' +
      'trajectory commits to a class.',
  },
  'optimal-transient': {
    title: 'Q_opt: a faster gap, and a transient (d = 16, κ = 100)',
    view: 'relaxation',
    params: { d: 16, U: 'log_spaced', kappa: 100, drift: 'optimal' },
    commentary: 'The optimal drift moves every eigenvalue of A onto the line Re λ = τ = Tr U / d, far to the right of ' +
      'the reversible gap u_min: the asymptotic rate gains τ/u_min. But A is now non-normal, and ‖E_t‖₂ first grows ' +
      '(to ≈ 5.6 at t ≈ 0.13), stays above the reversible e^(−u_min t) until t ≈ 0.9, and keeps a prefactor of ' +
      '5–9 over e^(−g t): the gain is in the rate only.',
  },
  'plane-jordan': {
    title: 'Plane rotation in 2D: the Jordan point q* (U = diag(1, 4))',
    view: 'relaxation',
    params: { d: 2, U: 'diagonal', uvals: '1,4', drift: 'plane', q: 0.75 },
    commentary: 'With U = diag(1, 4), every |q| ≥ q* = |u₁ − u₂| / (2√(u₁u₂)) = 0.75 reaches the bound τ = 2.5: ' +
      'the gap curve rises from u_min = 1 and flattens at τ. At q = q* the two eigenvalues merge (a Jordan block), ' +
      'so ‖E_t‖₂ carries a factor growing like t on top of e^(−τt).',
  },
};
