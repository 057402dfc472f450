// A calm palette for class dots and chips, picked by class id so a class keeps its colour when others go.
const PALETTE = ['#3b82f6', '#e0793a', '#2fa37a', '#a463d6', '#d64f7a', '#c9a227', '#3aa6c2', '#7b8794', '#8b5a2b'];

export function classColor(classId: number): string {
  return PALETTE[(((classId - 1) % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}
