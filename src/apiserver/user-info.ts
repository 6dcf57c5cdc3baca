/** The authenticated caller of a request. */
export interface UserInfo {
  name: string;
  groups: string[];
}
