import Foundation
print("lienthong")
