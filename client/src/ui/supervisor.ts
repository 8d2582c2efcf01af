/** Supervisors' screens: the sergeant's review (ui/review.ts) and the inspector's tally (ui/tally.ts). */
import './supervisor.css';

export { landingHash } from './supervisor-common';
export { shiftsView, shiftTallyView } from './review';
export { comparisonChart, tallyView, weeklyChart } from './tally';
