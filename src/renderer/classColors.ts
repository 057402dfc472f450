// A calm palette for class dots and chips, picked by the class's position in the sidebar.
const PALETTE = ['#3b82f6', '#e0793a', '#2fa37a', '#a463d6', '#d64f7a', '#c9a227', '#3aa6c2', '#7b8794', '#8b5a2b'];

export function classColor(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}
