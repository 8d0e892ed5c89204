/**
 * Canvas pixels an arrow key pans the image viewer by; with Shift. A plain module (no JSX) so the
 * browser tests can compute what a keyboard measurement must read.
 */
export const PAN_STEP = 40;
export const PAN_STEP_LARGE = 200;
