// Presets: a named set of parameters, the view to open, and two or three sentences saying what to look at.
// Parameters not listed keep their defaults (www/params.js). Commentary is plain text (it is set with textContent).

export const PRESETS = {
  'forward-biroli': {
    title: 'Noise erases the classes (Biroli, d = 64)',
    view: 'forward',
    params: { d: 64, sigma: 1, mt: 1, T: 4, particles: 80 },
    commentary: 'Two classes ±μ with |μ|² = d travel towards the origin as e^(−t)μ while the noise grows to 1. ' +
      'The bands stop being separated near t ≈ ½ ln d ≈ 2.08, Biroli\'s speciation time: ' +
      'read backwards, this is when a generated trajectory commits to a class.',
  },
  'optimal-transient': {
    title: 'Q_opt: a faster gap, and a transient (d = 16, κ = 100)',
    view: 'relaxation',
    params: { d: 16, U: 'log_spaced', kappa: 100, drift: 'optimal' },
    commentary: 'The optimal drift moves every eigenvalue of A onto the line Re λ = τ = Tr U / d, far to the right of ' +
      'the reversible gap u_min: the asymptotic rate gains τ/u_min. But A is now non-normal, and ‖E_t‖₂ stays well ' +
      'above e^(−g t) at short times: the gain is asymptotic only.',
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
